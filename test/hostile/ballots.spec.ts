// Issue 12, items 1 and 2, against the real bundle: ballots a peer with our
// cluster's credentials can publish to wedge or outvote the agent.
// - A round of 2^53 − 1 (beyond the 2^31 bound): that ballot is unreadable,
//   the agent goes on with the honest peer and proposes at a small round.
// - A round at the bound: counted, but no proposal can go above it; the agent
//   says why, keeps running, and never writes a ballot it could not read back.
// - One host at two addresses serving two ballot ids: one server key, so the
//   ids are not counted (two physical nodes must not make a quorum of 3);
//   the same layout with two real hosts proposes.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeServerCert } from "../../hack/fake-apid/pki.js";
import { decodeBallot } from "../../src/ballots/codec.js";
import { MAX_ROUND } from "../../src/core/ballot-number.js";
import { skipReason } from "../helpers/preflight.js";
import { skipWith } from "../helpers/skips.js";
import { runAgent, startHostileCluster, type HostileCluster } from "./cluster.js";
import { honestBallot, reads, startPeer } from "./peers.js";

const skip = skipReason(["loop", "xfs", "sandbox", "node"]);

const RUN_MS = 20_000;
const FAST = {
  TALOS_AUTO_BOOTSTRAP_PRE_BOOTSTRAP_DELAY: "1s",
  TALOS_AUTO_BOOTSTRAP_SCAN_INTERVAL: "2s",
  TALOS_AUTO_BOOTSTRAP_CONSENT_INTERVAL: "300ms",
};
const HOSTILE_ID = "6".repeat(32);
const HONEST_ID = "7".repeat(32);

let cluster: HostileCluster | null = null;
afterEach(async () => {
  await cluster?.teardown();
  cluster = null;
});

interface Line {
  readonly msg?: string;
  readonly why?: string;
  readonly proposal?: { phase: string; number: { round: number } } | null;
  readonly refusals?: readonly string[];
  readonly ballots?: readonly string[];
}
const lines = (log: string): Line[] =>
  log.split("\n").flatMap((l) => {
    try {
      return [JSON.parse(l) as Line];
    } catch {
      return [];
    }
  });
const proposals = (log: string) => lines(log).flatMap((l) => (l.msg === "consent" && l.proposal ? [l.proposal] : []));

/** The agent's own ballot file, decoded: what it wrote must read back. */
const ownBallot = (c: HostileCluster) => decodeBallot(readFileSync(join(c.dir, "var-lib", "ballot.json")));

describe("ballot numbers a peer can publish", skipWith(skip), () => {
  it("refuses a peer's round 2^53 − 1 and goes on with the honest peer at a small round", { timeout: RUN_MS + 90_000 }, async () => {
    const c = (cluster = await startHostileCluster({
      subnet: 246,
      peers: ({ ca, address }) =>
        Promise.all([
          startPeer({ host: address(3), port: 50000, ca, read: reads.serveBallot(honestBallot(ca.certPem, { id: HOSTILE_ID, promisedRound: 2 ** 53 - 1 })) }),
          startPeer({ host: address(4), port: 50000, ca, read: reads.serveBallot(honestBallot(ca.certPem, { id: HONEST_ID })) }),
        ]),
    }));
    const run = await runAgent(c, { ...FAST, TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "2" }, RUN_MS);
    const tail = run.log.slice(-3000);
    expect(run.aliveAtEnd, tail).toBe(true);
    expect(run.code, tail).toBe(143);
    const unreadable = lines(run.log).flatMap((l) => (l.msg === "ballots unreadable: not counted" ? (l.ballots ?? []) : []));
    expect(unreadable.join("\n"), tail).toMatch(/^127\.0\.246\.3: .*round/m);
    const rounds = proposals(run.log).map((p) => p.number.round);
    expect(rounds.length, tail).toBeGreaterThan(0);
    expect(Math.max(...rounds)).toBeLessThanOrEqual(2);
    const own = ownBallot(c);
    expect(own.proposal?.number.round).toBeLessThanOrEqual(2);
    expect(run.log).not.toMatch(/fatal|could not read back/);
  });

  it("counts a peer at the bound 2^31, never proposes above it, says why, and keeps a ballot it can read", { timeout: RUN_MS + 90_000 }, async () => {
    const c = (cluster = await startHostileCluster({
      subnet: 247,
      peers: ({ ca, address }) =>
        Promise.all([startPeer({ host: address(3), port: 50000, ca, read: reads.serveBallot(honestBallot(ca.certPem, { id: HOSTILE_ID, promisedRound: MAX_ROUND })) })]),
    }));
    const run = await runAgent(c, { ...FAST, TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "2" }, RUN_MS);
    const tail = run.log.slice(-3000);
    expect(run.aliveAtEnd, tail).toBe(true);
    expect(run.code, tail).toBe(143);
    expect(proposals(run.log), tail).toEqual([]);
    const why = lines(run.log).flatMap((l) => (l.msg === "waiting" && l.why !== undefined ? [l.why] : []));
    expect(why.some((w) => w.includes(`no proposal can go above round ${MAX_ROUND}`)), why.join("\n")).toBe(true);
    expect(ownBallot(c).proposal).toBeNull();
    expect(run.log).not.toMatch(/fatal|could not read back/);
  });
});

describe("acceptors a peer cannot multiply", skipWith(skip), () => {
  const quorum3of5 = { ...FAST, TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "3", TALOS_AUTO_BOOTSTRAP_CONTROL_PLANES: "5" };

  it("counts one host serving a different ballot id on each of its two addresses not at all, and says why", { timeout: RUN_MS + 90_000 }, async () => {
    const c = (cluster = await startHostileCluster({
      subnet: 248,
      peers: async ({ ca, address }) => {
        // One certificate, one key, both addresses: one machine.
        const cert = await makeServerCert(ca, { ips: [address(3), address(4)], dnsNames: [] });
        return Promise.all([
          startPeer({ host: address(3), port: 50000, ca, cert, read: reads.serveBallot(honestBallot(ca.certPem, { id: HOSTILE_ID, quorum: 3, controlPlanes: 5 })) }),
          startPeer({ host: address(4), port: 50000, ca, cert, read: reads.serveBallot(honestBallot(ca.certPem, { id: HONEST_ID, quorum: 3, controlPlanes: 5 })) }),
        ]);
      },
    }));
    const run = await runAgent(c, quorum3of5, RUN_MS);
    const tail = run.log.slice(-3000);
    expect(run.aliveAtEnd, tail).toBe(true);
    expect(run.code, tail).toBe(143);
    const refusals = lines(run.log).flatMap((l) => (l.msg === "ballots not counted" ? (l.refusals ?? []) : []));
    expect(refusals.join("\n"), tail).toMatch(/one server key [0-9a-f]{16}… serves ballot ids/);
    expect(proposals(run.log), tail).toEqual([]);
  });

  it("with two real hosts in the same layout, counts both and proposes (the control case)", { timeout: RUN_MS + 90_000 }, async () => {
    const c = (cluster = await startHostileCluster({
      subnet: 249,
      peers: ({ ca, address }) =>
        Promise.all([
          startPeer({ host: address(3), port: 50000, ca, read: reads.serveBallot(honestBallot(ca.certPem, { id: HOSTILE_ID, quorum: 3, controlPlanes: 5 })) }),
          startPeer({ host: address(4), port: 50000, ca, read: reads.serveBallot(honestBallot(ca.certPem, { id: HONEST_ID, quorum: 3, controlPlanes: 5 })) }),
        ]),
    }));
    const run = await runAgent(c, quorum3of5, RUN_MS);
    const tail = run.log.slice(-3000);
    expect(run.code, tail).toBe(143);
    expect(run.log).not.toMatch(/ballots not counted/);
    expect(proposals(run.log).length, tail).toBeGreaterThan(0);
  });
});
