// Issue 11, a full power cycle of a bootstrapped cluster with the real
// agents. Extension services start on every boot, and etcd may be down on
// every control plane for a while (here: the whole test; Waiting, then
// Preparing, its data kept). A control plane added meanwhile has an empty
// data directory and the oldest boot time, so it would be the nominee of a
// new election. Nobody may call Bootstrap; every agent exits 0 once the
// evidence says bootstrapped: the record in the ballots, or, where no agent
// ever recorded it (the cluster was bootstrapped by hand), the data
// directories (MachineService/List of /var/lib/etcd).
import { describe, expect, it } from "vitest";
import { recordCluster, recordMember } from "../../hack/fake-apid/world.js";
import { waitFor } from "../helpers/deadline.js";
import { leftovers } from "../helpers/leaks.js";
import { skipWith } from "../helpers/skips.js";
import { startAgent, startFakeApid, waitForAgents, withScenario, world, type Scenario } from "../helpers/scenario.js";
import { AGENT_DEADLINE_MS, agentEnv, agentSkipReason, bootAt, cp, expectAllExitedZero, expectOneClusterByBest, nameOf, records } from "./agent-scenarios.js";
import { bootstrapsSince, mark, reboot, recordsSince, type Mark } from "./fault-scenarios.js";

const skip = agentSkipReason();

/** Longer than any run of the test: etcd stays down on every rebooted node. */
const ETCD_DOWN_MS = 600_000;
const ORIGINAL = ["cp1", "cp2", "cp3"] as const;

/** cp4 joins the cluster later; it booted before the others came back, so it is the oldest. */
const nodes = () => [cp("cp1", 1), cp("cp2", 2), cp("cp3", 3), cp("cp4", 0)];

/** The reboot: the original control planes' apids come back with later boot times, etcd down; cp4's apid starts. */
async function powerCycle(s: Scenario): Promise<Record<string, Mark>> {
  const marks = Object.fromEntries(s.nodes.map((n) => [n.spec.name, mark(n)]));
  await Promise.all(ORIGINAL.map((name, i) => reboot(s, s.node(name), bootAt(20 + i), { etcdDownMs: ETCD_DOWN_MS })));
  await startFakeApid(s, s.node("cp4"), 3);
  return marks;
}

/** No Bootstrap since the marks, one etcd cluster as before, and cp4 never joined it (etcd is down everywhere). */
function expectNothingBootstrapped(s: Scenario, marks: Record<string, Mark>, founder: string): void {
  for (const n of s.nodes) {
    expect(recordsSince(n, marks[n.spec.name]!, "bootstrap executing"), `${n.spec.name}: bootstrap attempts after the reboot`).toEqual([]);
    expect(bootstrapsSince(n, marks[n.spec.name]!), `${n.spec.name}: Bootstrap calls on its apid after the reboot`).toBe(0);
  }
  const w = world(s);
  expect(w.clusters.map((a) => nameOf(s, a)), "etcd clusters").toEqual([founder]);
  expect(Object.keys(w.members).map((a) => nameOf(s, a)).sort(), "etcd members").toEqual([...ORIGINAL]);
}

describe("a bootstrapped cluster after a full power cycle, etcd down everywhere", { ...skipWith(skip), timeout: 300_000 }, () => {
  it("bootstrapped by the agents: each exits 0 from its recorded ballot, the added control plane from its peers'; no Bootstrap", async () => {
    await withScenario({ nodes: nodes(), agentEnv: agentEnv(2, 3) }, async (s) => {
      await Promise.all(ORIGINAL.map((name, i) => startFakeApid(s, s.node(name), i)));
      await Promise.all(ORIGINAL.map((name) => startAgent(s, s.node(name), s.agentEnv)));
      expectAllExitedZero(await waitForAgents(s, AGENT_DEADLINE_MS));
      const founder = expectOneClusterByBest(s);
      // The followers exit once etcd runs on the founder; their etcd joins a moment later.
      await waitFor("cp2 and cp3 to join etcd", () => (Object.keys(world(s).members).length === ORIGINAL.length ? true : undefined));

      const marks = await powerCycle(s);
      await Promise.all(s.nodes.map((n) => startAgent(s, n, s.agentEnv)));
      expectAllExitedZero(await waitForAgents(s, AGENT_DEADLINE_MS));
      expectNothingBootstrapped(s, marks, founder);
      for (const name of ORIGINAL) {
        const n = s.node(name);
        expect(recordsSince(n, marks[name]!, "cluster already bootstrapped (recorded in this node's ballot)"), `${name}: exit reason`).toHaveLength(1);
        expect(recordsSince(n, marks[name]!, "scan result"), `${name}: looked at the network`).toEqual([]);
      }
      const by = records(s.node("cp4"), "cluster already bootstrapped").flatMap((r) => r["by"] as string[]);
      expect(by.filter((e) => e.endsWith("its ballot records the cluster bootstrapped")).length, `cp4's evidence: ${by.join("; ")}`).toBeGreaterThan(0);
      expect(by.filter((e) => e.includes("etcd running")), "cp4's evidence").toEqual([]);
    });
  });

  it("bootstrapped by hand (no ballot records it): the etcd data directories are the evidence; no Bootstrap", async () => {
    await withScenario({ nodes: nodes(), agentEnv: agentEnv(3, 4) }, async (s) => {
      // talosctl bootstrap on cp1, cp2 and cp3 joined; then the power cycle.
      const [cp1, cp2, cp3] = ORIGINAL.map((name) => s.node(name).host.address) as [string, string, string];
      recordCluster(s.worldDir, cp1, { at: new Date().toISOString(), caller: "talosctl" });
      for (const a of [cp1, cp2, cp3]) recordMember(s.worldDir, a, cp1);
      const marks = await powerCycle(s);
      await Promise.all(s.nodes.map((n) => startAgent(s, n, s.agentEnv)));
      expectAllExitedZero(await waitForAgents(s, AGENT_DEADLINE_MS));
      expectNothingBootstrapped(s, marks, "cp1");
      for (const n of s.nodes) {
        const by = records(n, "cluster already bootstrapped").flatMap((r) => r["by"] as string[]);
        expect(by.some((e) => e.endsWith("etcd data directory not empty")), `${n.spec.name}'s evidence: ${by.join("; ")}`).toBe(true);
        expect(by.filter((e) => e.includes("etcd running")), `${n.spec.name}'s evidence`).toEqual([]);
      }
    });
  });
});

describe("a bootstrapped cluster after a full power cycle: teardown", skipWith(skip), () => {
  it("leaves nothing of this run behind", async () => {
    expect(await leftovers()).toEqual({ netns: [], loops: [], mappers: [], mounts: [], tempDirs: [] });
  });
});
