// The real agent, one per Talos host, each in its own network namespace
// against fake apids on a shared segment: it finds its own address and prefix
// from its interface, scans it, and the control planes of the cluster agree on
// ONE bootstrap. IPv4, IPv6 and dual stack; workers; dead addresses that drop
// port 50000; a node of another cluster that boots first.
import { describe, expect, it } from "vitest";
import { makeClusterCa } from "../../hack/fake-apid/pki.js";
import { readWorld } from "../../hack/fake-apid/world.js";
import { leftovers } from "../helpers/leaks.js";
import { skipWith } from "../helpers/skips.js";
import { withScenario } from "../helpers/scenario.js";
import {
  agentEnv,
  agentSkipReason,
  cp,
  electionCandidates,
  expectAllExitedZero,
  expectOneClusterByBest,
  expectWorkerIdle,
  records,
  runToEnd,
  scanResults,
  servedCalls,
  worker,
} from "./agent-scenarios.js";

const skip = agentSkipReason();

/** Addresses one agent probes: a /28 has 14 hosts, a /124 15 (::0 is never scanned); never its own. */
const PROBED = { ipv4: 13, ipv6: 14 } as const;

describe("agents on one segment", skipWith(skip), () => {
  for (const family of ["ipv4", "ipv6"] as const) {
    it(`${family}: three control planes and two workers bootstrap once, on the best control plane in view; workers exit 0 without touching the network`, async () => {
      await withScenario(
        {
          network: { family, droppingSpares: 2 },
          // A worker is the oldest node: only control planes may be nominated.
          nodes: [worker("w1", 0), cp("cp1", 3), cp("cp2", 1), cp("cp3", 2), worker("w2", 4)],
          agentEnv: agentEnv(2, 3),
        },
        async (s) => {
          const exits = await runToEnd(s);
          expectAllExitedZero(exits);
          expect(Object.keys(exits).sort()).toEqual(["cp1", "cp2", "cp3", "w1", "w2"]);
          expectOneClusterByBest(s);
          for (const w of ["w1", "w2"]) expectWorkerIdle(s.node(w));
          const cps = ["cp1", "cp2", "cp3"].map((c) => s.node(c));
          for (const n of cps) {
            const c = n.spec.name;
            const scans = scanResults(n);
            expect(scans.length, `${c}: scan results`).toBeGreaterThan(0);
            for (const r of scans) expect(r, `${c}: scan result`).toMatchObject({ probed: PROBED[family], foreign: 0, malformed: 0 });
            // The workers answer as Talos but are never candidates.
            for (const e of electionCandidates(s, n)) expect(e.names.filter((x) => x.startsWith("w")), `${c}: candidates`).toEqual([]);
          }
          expect(cps.some((n) => scanResults(n).some((r) => r["controlPlanes"] === 2 && r["workers"] === 2)), "a scan saw 2 peers and 2 workers").toBe(true);
        },
      );
    });
  }

  it("dual stack: each control plane answers on two addresses and counts once", async () => {
    await withScenario(
      {
        network: { family: "dual", droppingSpares: 2 },
        nodes: [cp("cp1", 1, { fakeAddresses: "all" }), cp("cp2", 0, { fakeAddresses: "all" }), cp("cp3", 2, { fakeAddresses: "all" })],
        // Six fake apids on two cores: the default probe deadline, so a slow answer is not taken for a dead address.
        agentEnv: agentEnv(2, 3, { TALOS_AUTO_BOOTSTRAP_SCAN_TIMEOUT: "2s" }),
      },
      async (s) => {
        const exits = await runToEnd(s);
        expectAllExitedZero(exits);
        expectOneClusterByBest(s);
        // Peers did reach every node on both addresses, and some agent saw all four peer addresses in one scan...
        for (const n of s.nodes) {
          n.callLogs.forEach((_, i) => expect(servedCalls(n, i), `${n.spec.name} on ${n.fakeAddresses[i]}: calls served`).toBeGreaterThan(0));
        }
        expect(s.nodes.some((n) => scanResults(n).some((r) => r["controlPlanes"] === 4)), "an agent's scan found 4 control-plane addresses").toBe(true);
        // ...yet no agent ever counted more than 3 candidates, nor one node twice.
        for (const n of s.nodes) {
          const name = n.spec.name;
          const elections = electionCandidates(s, n);
          expect(elections.length, `${name}: election records`).toBeGreaterThan(0);
          for (const e of elections) {
            expect(new Set(e.ids).size, `${name}: candidate ids unique`).toBe(e.ids.length);
            expect(new Set(e.names).size, `${name}: one candidate per node`).toBe(e.names.length);
          }
          expect(Math.max(...elections.map((e) => e.ids.length)), `${name}: most candidates at once`).toBe(3);
          expect(records(n, "refusing to act"), name).toEqual([]);
        }
      },
    );
  });

  it("dead addresses that drop port 50000: bootstraps once, and the scan counts them unreachable", async () => {
    await withScenario(
      {
        network: { droppingSpares: 6 },
        nodes: [cp("cp1", 2), cp("cp2", 1), cp("cp3", 0)],
        agentEnv: agentEnv(2, 3),
      },
      async (s) => {
        const dead = s.net.host("dropper").addresses.length + s.net.host("filler").addresses.length;
        expect(s.net.host("dropper").addresses).toHaveLength(6);
        const exits = await runToEnd(s);
        expectAllExitedZero(exits);
        expectOneClusterByBest(s);
        for (const n of s.nodes) {
          const scans = scanResults(n);
          expect(scans.length, `${n.spec.name}: scan results`).toBeGreaterThan(0);
          // Every address but our own three answers nothing (6 drop, the rest refuse); a slow peer may join them.
          for (const r of scans) {
            expect(r, `${n.spec.name}: scan result`).toMatchObject({ probed: 13, foreign: 0, malformed: 0, workers: 0 });
            expect(r["unreachable"], `${n.spec.name}: unreachable`).toBeGreaterThanOrEqual(dead);
          }
        }
        expect(s.nodes.some((n) => scanResults(n).some((r) => r["controlPlanes"] === 2 && r["unreachable"] === dead)), `a scan with both peers and exactly the ${dead} dead`).toBe(true);
      },
    );
  });

  it("a node of another cluster, booted first, on the same segment: never counted; ours bootstraps once, on the best of ours in view", async () => {
    const otherCa = await makeClusterCa("ed25519");
    await withScenario(
      {
        network: { droppingSpares: 2 },
        nodes: [cp("other", 0, { ca: otherCa, agent: false }), cp("cp1", 2), cp("cp2", 1), cp("cp3", 3)],
        agentEnv: agentEnv(2, 3),
      },
      async (s) => {
        const exits = await runToEnd(s);
        expectAllExitedZero(exits);
        expect(Object.keys(exits).sort()).toEqual(["cp1", "cp2", "cp3"]);
        expectOneClusterByBest(s);
        const other = s.node("other");
        expect(readWorld(other.worldDir).clusters, "the other cluster's etcd").toEqual([]);
        // Its apid never served one of our calls: the TLS handshake fails both ways.
        expect(servedCalls(other), "calls served by the other cluster's apid").toBe(0);
        for (const c of ["cp1", "cp2", "cp3"]) {
          const n = s.node(c);
          const scans = scanResults(n);
          expect(scans.length, `${c}: scan results`).toBeGreaterThan(0);
          for (const r of scans) expect(r["foreign"], `${c}: foreign in a scan result`).toBeLessThanOrEqual(1);
          expect(scans.some((r) => r["foreign"] === 1), `${c}: a scan that found the other cluster's node`).toBe(true);
          for (const e of electionCandidates(s, n)) expect(e.names, `${c}: candidates`).not.toContain("other");
        }
      },
    );
  });
});

describe("agents on one segment: teardown", skipWith(skip), () => {
  it("leaves nothing of this run behind", async () => {
    expect(await leftovers()).toEqual({ netns: [], loops: [], mappers: [], mounts: [], tempDirs: [] });
  });
});
