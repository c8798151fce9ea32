// Issue 11, two clusters made from one secrets bundle on one subnet: every
// control plane of both verifies against the same CA, so every agent reads
// all six. Only the cluster name and control-plane endpoint in the machine
// config tell them apart. Each cluster must be bootstrapped exactly once, on
// the best candidate among its own control planes, and no agent may count a
// control plane of the other cluster as a candidate, an acceptor or
// evidence: not when all agents start at once (their acceptors must not
// pool), nor when one cluster already runs etcd as the other starts (that
// etcd is not the other's proof of a bootstrap). Boot times interleave, so
// the oldest node of all is a sibling's.
// QUORUM_NODES=3 of 3: a proposer has read all of its cluster's ballots, so
// each founder is its cluster's oldest control plane whatever the timing.
import { describe, expect, it } from "vitest";
import { leftovers } from "../helpers/leaks.js";
import { skipWith } from "../helpers/skips.js";
import { startAgent, startFakeApids, waitForAgents, withScenario, world, type Scenario, type ScenarioSpec } from "../helpers/scenario.js";
import {
  AGENT_DEADLINE_MS,
  agentEnv,
  agentSkipReason,
  clusterNodes,
  cp,
  electionCandidates,
  expectAllExitedZero,
  expectOneClusterByBest,
  nameOf,
  records,
  runToEnd,
} from "./agent-scenarios.js";

const skip = agentSkipReason();

/** The sibling: same CA, its own name and endpoint (TEST-NET-1, never dialed). */
const BETA = { name: "beta", endpoint: "https://192.0.2.20:6443" } as const;

describe("two clusters sharing one CA on one subnet", { ...skipWith(skip), timeout: 240_000 }, () => {
  it("all six agents at once: each cluster is bootstrapped once, on its own oldest control plane; neither counts the other's", async () => {
    await withScenario(spec(), async (s) => {
      expectAllExitedZero(await runToEnd(s));
      expectFounders(s);
    });
  });

  it("beta's agents start once alpha runs etcd: alpha's etcd is no evidence for beta, which is bootstrapped once too", async () => {
    await withScenario(spec(), async (s) => {
      await startFakeApids(s);
      const alpha = clusterNodes(s).map((n) => n.spec.name);
      const beta = clusterNodes(s, BETA.name).map((n) => n.spec.name);
      await Promise.all(alpha.map((name) => startAgent(s, s.node(name), s.agentEnv)));
      expectAllExitedZero(await waitForAgents(s, AGENT_DEADLINE_MS));
      expect(Object.keys(world(s).members).sort(), "alpha's etcd members").toEqual(clusterNodes(s).map((n) => n.host.address).sort());
      await Promise.all(beta.map((name) => startAgent(s, s.node(name), s.agentEnv)));
      expectAllExitedZero(await waitForAgents(s, AGENT_DEADLINE_MS));
      expectFounders(s);
      // Whatever told a beta agent that its cluster is bootstrapped was beta's own.
      const betaAddresses = new Set(clusterNodes(s, BETA.name).map((n) => n.host.address));
      for (const name of beta) {
        for (const r of [...records(s.node(name), "cluster already bootstrapped"), ...records(s.node(name), "bootstrap succeeded")]) {
          const by = (r["by"] as string[]).map((e) => e.split(": ")[0]!).filter((a) => !a.startsWith("this node"));
          expect(by.filter((a) => !betaAddresses.has(a)).map((a) => nameOf(s, a)), `${name}: evidence from outside beta`).toEqual([]);
        }
      }
    });
  });
});

/** Interleaved boot times: b1 is the oldest of all, a1 the oldest of alpha. */
function spec(): ScenarioSpec {
  return {
    network: { droppingSpares: 2 },
    nodes: [
      cp("b1", 0, { cluster: BETA }),
      cp("a1", 1),
      cp("b2", 2, { cluster: BETA }),
      cp("a2", 3),
      cp("b3", 4, { cluster: BETA }),
      cp("a3", 5),
    ],
    agentEnv: agentEnv(3, 3),
  };
}

/** Each cluster founded once by its oldest; no agent counted, or stopped at, the other cluster. */
function expectFounders(s: Scenario): void {
  expect(expectOneClusterByBest(s), "alpha's founder").toBe("a1");
  expect(expectOneClusterByBest(s, BETA.name), "beta's founder").toBe("b1");
  for (const [cluster, mine] of [[undefined, "a"], [BETA.name, "b"]] as const) {
    for (const n of clusterNodes(s, cluster)) {
      const name = n.spec.name;
      for (const e of electionCandidates(s, n)) {
        expect(e.names.filter((c) => !c.startsWith(mine)), `${name}: candidates of the other cluster`).toEqual([]);
      }
      // It saw the other cluster's control planes (same CA), and they changed nothing.
      const scans = records(n, "scan result");
      expect(scans.some((r) => Number(r["controlPlanes"]) >= 3), `${name}: a scan saw the other cluster's control planes`).toBe(true);
      expect(records(n, "refusing to act"), `${name}: refusals`).toEqual([]);
    }
  }
}

describe("two clusters sharing one CA: teardown", skipWith(skip), () => {
  it("leaves nothing of this run behind", async () => {
    expect(await leftovers()).toEqual({ netns: [], loops: [], mappers: [], mounts: [], tempDirs: [] });
  });
});
