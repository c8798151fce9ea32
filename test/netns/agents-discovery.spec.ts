// Finding peers the way Talos does: the agent lists the Affiliates of its own
// apid (fake apids with cluster discovery on), probes each listed control
// plane with the same mutual-TLS check as a scanned address, and scans only
// when discovery and PEERS show fewer control planes than the quorum.
// Control planes on two routed subnets; discovery off; affiliates that point
// at a foreign host or at a dropping address; and no scan at all when
// discovery and PEERS cover the quorum (SYNs counted at every other address).
import { describe, expect, it } from "vitest";
import { registerAffiliate } from "../../hack/fake-apid/discovery.js";
import { makeClusterCa } from "../../hack/fake-apid/pki.js";
import { waitFor } from "../helpers/deadline.js";
import { leftovers } from "../helpers/leaks.js";
import { startAgents, startFakeApids, waitForAgents, withScenario, world, type Scenario, type ScenarioNode } from "../helpers/scenario.js";
import { skipWith } from "../helpers/skips.js";
import { countSyns } from "../helpers/syn-counter.js";
import {
  AGENT_DEADLINE_MS,
  agentEnv,
  agentSkipReason,
  cp,
  electionCandidates,
  expectAllExitedZero,
  expectBootstrappedOnceBy,
  expectOneClusterByBest,
  records,
  runToEnd,
  scanResults,
  servedCalls,
} from "./agent-scenarios.js";

const skip = agentSkipReason();

/** Cluster discovery on in the fake; others list it 300 ms after it starts. */
const dcp = (name: string, rank: number, extra: Partial<ScenarioNode> = {}): ScenarioNode =>
  cp(name, rank, { fake: { discovery: { enabled: true, registrationDelayMs: 300 } }, ...extra });

interface SourceLine {
  readonly sources: { discovery: number; peers: number; scan: number };
  readonly scanned: boolean;
  readonly discovery: string;
  readonly probed: number;
  readonly foreign: number;
  readonly unreachable: number;
}
const lines = (s: Scenario, name: string) => scanResults(s.node(name)) as unknown as SourceLine[];

/** A control plane no agent can verify: it exists only in the discovery service's records. */
function plantAffiliate(s: Scenario, nodeId: string, addresses: string[]): void {
  registerAffiliate(s.worldDir, { nodeId, addresses, hostname: nodeId, nodename: nodeId, operatingSystem: "Talos (v1.12.0)", machineType: "controlplane", visibleAt: 0 });
}

/** knock: one TCP connection attempt to address:50000 from a host (refused or dropped, it does not matter). */
async function knock(s: Scenario, from: string, address: string): Promise<void> {
  const script = `const c = require("net").connect(50000, ${JSON.stringify(address)}); c.on("error", () => {}); c.setTimeout(300, () => c.destroy());`;
  await s.net.exec(from, [process.execPath, "-e", script]);
}

describe("agents that find peers through Talos discovery", skipWith(skip), () => {
  it("control planes on two routed subnets, quorum 3 of 3: no scan reaches them all, discovery does; one bootstrap, on the oldest", async () => {
    await withScenario(
      {
        network: { topology: "routed" },
        // The oldest is alone on segment 1: every election needs the route.
        nodes: [dcp("cp1", 1), dcp("cp2", 2), dcp("cp3", 0, { segment: 1 })],
        agentEnv: agentEnv(3, 3),
      },
      async (s) => {
        expect(s.net.plan.prefixes, "two segments").toHaveLength(2);
        expectAllExitedZero(await runToEnd(s));
        expectBootstrappedOnceBy(s, "cp3");
        for (const name of ["cp1", "cp2", "cp3"]) {
          const scans = lines(s, name);
          expect(scans.some((r) => r.sources.discovery === 2), `${name}: both peers through discovery`).toBe(true);
          // A scan of its own /28 reaches one peer at most (cp3's: none).
          for (const r of scans) expect(r.sources.scan, `${name}: control planes from the scan`).toBeLessThanOrEqual(name === "cp3" ? 0 : 1);
          expect(Math.max(...electionCandidates(s, s.node(name)).map((e) => e.names.length)), `${name}: candidates`).toBe(3);
        }
      },
    );
  });

  it("the same two subnets with PEER_DISCOVERY=scan-only: a scan sees its own segment only, so quorum 3 is never in view and nothing bootstraps", async () => {
    await withScenario(
      { network: { topology: "routed" }, nodes: [dcp("cp1", 1), dcp("cp2", 2), dcp("cp3", 0, { segment: 1 })], agentEnv: agentEnv(3, 3) },
      async (s) => {
        await startFakeApids(s);
        await startAgents(s, { ...s.agentEnv, TALOS_AUTO_BOOTSTRAP_PEER_DISCOVERY: "scan-only" });
        await waitFor("two full scans by every agent", () => (s.nodes.every((n) => scanResults(n).length >= 2) ? true : undefined), { timeoutMs: 60_000 });
        const stopped = await Promise.all(s.nodes.map((n) => n.agent!.stop()));
        expect(stopped.map((e) => e.code), "exit on SIGTERM").toEqual([143, 143, 143]);
        expect(world(s).clusters, "etcd clusters").toEqual([]);
        for (const name of ["cp1", "cp2", "cp3"]) {
          for (const r of lines(s, name)) expect(r, `${name}: scan result`).toMatchObject({ discovery: "not-used", scanned: true, sources: { discovery: 0 } });
          // What the scan found: its own segment only. (Not the election: an
          // agent publishes its ballot once a quorum's worth of registers
          // answered, so with 2 of 3 in view nobody is a candidate but itself.)
          expect(Math.max(...lines(s, name).map((r) => r.sources.scan)), `${name}: control planes the scan found`).toBe(name === "cp3" ? 0 : 1);
          expect(Math.max(...electionCandidates(s, s.node(name)).map((e) => e.names.length)), `${name}: most candidates`).toBe(1);
        }
      },
    );
  });

  it("discovery off in Talos (Affiliates list empty): falls back to the scan and bootstraps once", async () => {
    await withScenario({ network: { droppingSpares: 2 }, nodes: [cp("cp1", 1), cp("cp2", 0), cp("cp3", 2)], agentEnv: agentEnv(2, 3) }, async (s) => {
      expectAllExitedZero(await runToEnd(s));
      expectOneClusterByBest(s);
      for (const name of ["cp1", "cp2", "cp3"]) {
        const scans = lines(s, name);
        expect(scans.length, `${name}: scan results`).toBeGreaterThan(0);
        for (const r of scans) expect(r, `${name}: scan result`).toMatchObject({ discovery: "off", sources: { discovery: 0, peers: 0 } });
        expect(scans.some((r) => r.scanned && r.sources.scan === 2), `${name}: a scan found both peers`).toBe(true);
      }
    });
  });

  it("an affiliate whose listed address answers with another cluster's certificate is never counted", async () => {
    const otherCa = await makeClusterCa("ed25519");
    await withScenario(
      {
        network: { droppingSpares: 2 },
        nodes: [cp("other", 0, { ca: otherCa, agent: false }), dcp("cp1", 2), dcp("cp2", 1), dcp("cp3", 3)],
        // no-scan: the foreign host is reached only because discovery lists it.
        agentEnv: agentEnv(2, 3, { TALOS_AUTO_BOOTSTRAP_PEER_DISCOVERY: "no-scan" }),
      },
      async (s) => {
        plantAffiliate(s, "liar-control-plane", [s.node("other").host.address]);
        expectAllExitedZero(await runToEnd(s));
        expectOneClusterByBest(s);
        expect(servedCalls(s.node("other")), "calls the other cluster's apid served").toBe(0);
        for (const name of ["cp1", "cp2", "cp3"]) {
          const scans = lines(s, name);
          expect(scans.some((r) => r.foreign === 1), `${name}: the listed foreign host, found foreign`).toBe(true);
          for (const r of scans) {
            expect(r.sources.discovery, `${name}: control planes from discovery`).toBeLessThanOrEqual(2);
            expect(r.scanned, `${name}: scanned`).toBe(false);
          }
          for (const e of electionCandidates(s, s.node(name))) expect(e.names, `${name}: candidates`).not.toContain("other");
          expect(records(s.node(name), "more control planes than TALOS_AUTO_BOOTSTRAP_CONTROL_PLANES: the quorum may no longer be a majority")).toEqual([]);
        }
      },
    );
  });

  it("affiliates listed at addresses that drop packets do not hold up the others: quorum 3 of 3 bootstraps once", async () => {
    await withScenario(
      {
        network: { droppingSpares: 2 },
        nodes: [dcp("cp1", 1), dcp("cp2", 0), dcp("cp3", 2)],
        agentEnv: agentEnv(3, 3, { TALOS_AUTO_BOOTSTRAP_PEER_DISCOVERY: "no-scan" }),
      },
      async (s) => {
        const dead = s.net.host("dropper").addresses.map((a) => a.address);
        plantAffiliate(s, "gone-a", [dead[0]!]);
        plantAffiliate(s, "gone-b", [dead[1]!, dead[0]!]);
        expectAllExitedZero(await runToEnd(s));
        expectBootstrappedOnceBy(s, "cp2");
        for (const name of ["cp1", "cp2", "cp3"]) {
          const scans = lines(s, name);
          expect(scans.some((r) => r.unreachable === 2 && r.sources.discovery === 2), `${name}: both dead addresses probed, both peers found`).toBe(true);
        }
      },
    );
  });

  it("discovery and PEERS cover the quorum: no scan at all (no SYN reaches any other address)", async () => {
    await withScenario(
      { network: { droppingSpares: 2 }, nodes: [dcp("cp1", 1), dcp("cp2", 0), dcp("cp3", 2)], agentEnv: agentEnv(2, 3) },
      async (s) => {
        const counters = await Promise.all(["filler", "dropper"].map(async (h) => [h, await countSyns(s.net.host(h).ns)] as const));
        // The counters do count: one connection attempt of ours to each host, before any agent runs.
        for (const h of ["filler", "dropper"]) await knock(s, "cp1", s.net.host(h).address);
        for (const [host, read] of counters) expect(await read(), `SYNs to port 50000 on ${host}, ours`).toBe(1);
        const peers = s.nodes.map((n) => n.host.address).join(",");
        await startFakeApids(s);
        await startAgents(s, { ...s.agentEnv, TALOS_AUTO_BOOTSTRAP_PEERS: peers });
        expectAllExitedZero(await waitForAgents(s, AGENT_DEADLINE_MS));
        expectOneClusterByBest(s);
        for (const [host, read] of counters) expect(await read(), `SYNs to port 50000 on ${host}, ours and the agents'`).toBe(1);
        const probes: string[] = [];
        for (const name of ["cp1", "cp2", "cp3"]) {
          const scans = lines(s, name);
          expect(scans.length, `${name}: scan results`).toBeGreaterThan(0);
          // Two peers, named by discovery and PEERS alike: two probes a full pass, never a scan.
          for (const r of scans) expect(r, `${name}: scan result`).toMatchObject({ scanned: false, probed: 2 });
          probes.push(`${name} ${scans.length} full passes × 2 probes`);
        }
        const others = ["filler", "dropper"].reduce((n, h) => n + s.net.host(h).addresses.length, 0);
        console.info(`no-scan proof: ${probes.join("; ")}; SYNs from the agents at the ${others} other addresses: 0`);
      },
    );
  });
});

describe("agents that find peers through Talos discovery: teardown", skipWith(skip), () => {
  it("leaves nothing of this run behind", async () => {
    expect(await leftovers()).toEqual({ netns: [], loops: [], mappers: [], mounts: [], tempDirs: [] });
  });
});
