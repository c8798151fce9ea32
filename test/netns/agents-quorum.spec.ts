// Issue 11, the quorum guard with real processes: control planes whose
// QUORUM_NODES / CONTROL_PLANES differ must all refuse to act, each naming
// its own values and another node's, and nobody may call Bootstrap. No two
// of the three agree, so no pair can reach a quorum of like-minded acceptors
// before it reads the third: the refusal does not depend on timing. cp1
// publishes its ballot before the others start, so they see its values in
// their first pass: each must still publish its own before stopping, or cp1
// would never learn that they differ. Once the operator sets the same values
// everywhere, the same nodes bootstrap once.
import { describe, expect, it } from "vitest";
import { leftovers } from "../helpers/leaks.js";
import { skipWith } from "../helpers/skips.js";
import { startAgent, startFakeApids, waitForAgents, withScenario, world } from "../helpers/scenario.js";
import {
  AGENT_DEADLINE_MS,
  FAST_ENV,
  agentEnv,
  agentSkipReason,
  bootstrapCalls,
  cp,
  expectAllExitedZero,
  expectOneClusterByBest,
  records,
} from "./agent-scenarios.js";
import { untilSuccess, waitForBallot } from "./fault-scenarios.js";

const skip = agentSkipReason();

/** What each node is given, and how the agent prints it (survey.ts showSettings). */
const SETTINGS: Readonly<Record<string, { quorum: number; controlPlanes: number | null }>> = {
  cp1: { quorum: 2, controlPlanes: 3 },
  cp2: { quorum: 3, controlPlanes: 3 },
  cp3: { quorum: 2, controlPlanes: null },
};
const show = (x: { quorum: number; controlPlanes: number | null }) => `QUORUM_NODES=${x.quorum} CONTROL_PLANES=${x.controlPlanes ?? "unset"}`;

function envOf(name: string): Record<string, string> {
  const x = SETTINGS[name]!;
  return {
    ...FAST_ENV,
    TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: String(x.quorum),
    ...(x.controlPlanes === null ? {} : { TALOS_AUTO_BOOTSTRAP_CONTROL_PLANES: String(x.controlPlanes) }),
  };
}

const REFUSAL = /^consent settings differ: this node has (QUORUM_NODES=\d+ CONTROL_PLANES=\w+), the node at (\S+) \(ballot [0-9a-f]+\) has (QUORUM_NODES=\d+ CONTROL_PLANES=\w+); set the same values on every control plane$/;

/** Two phases, each up to a few agent runs, on two shared cores. */
const SCENARIO_TIMEOUT_MS = 300_000;

describe("consent settings that differ between control planes", { ...skipWith(skip), timeout: SCENARIO_TIMEOUT_MS }, () => {
  it("no two alike: every agent refuses, naming its own values and the other node's; no Bootstrap. Set alike: bootstraps once", async () => {
    await withScenario({ nodes: [cp("cp1", 0), cp("cp2", 1), cp("cp3", 2)], agentEnv: agentEnv(2, 3) }, async (s) => {
      await startFakeApids(s);
      await startAgent(s, s.node("cp1"), envOf("cp1"));
      await waitForBallot(s.node("cp1"));
      await Promise.all(["cp2", "cp3"].map((name) => startAgent(s, s.node(name), envOf(name))));
      const exits = await waitForAgents(s, AGENT_DEADLINE_MS);
      expect(exits, "agent exits").toEqual({ cp1: { code: 1, signal: null }, cp2: { code: 1, signal: null }, cp3: { code: 1, signal: null } });
      for (const n of s.nodes) {
        const name = n.spec.name;
        const reasons = records(n, "refusing to act").map((r) => String(r["reason"]));
        expect(reasons, `${name}: why it stopped`).toHaveLength(1);
          // One clause per node whose values differ from this one's, joined by "; ".
        for (const clause of reasons[0]!.split(/; (?=consent settings differ)/)) {
          const m = REFUSAL.exec(clause);
          expect(m, `${name}: ${clause}`).not.toBeNull();
          const other = s.nodes.find((o) => o.host.address === m![2]);
          expect(other?.spec.name, `${name}: the node it names`).toBeDefined();
          expect(other?.spec.name).not.toBe(name);
          expect(m![1], `${name}: its own values`).toBe(show(SETTINGS[name]!));
          expect(m![3], `${name}: ${other!.spec.name}'s values`).toBe(show(SETTINGS[other!.spec.name]!));
        }
        expect(records(n, "bootstrap executing"), `${name}: bootstrap attempts`).toEqual([]);
        expect(bootstrapCalls(n), `${name}: Bootstrap calls on its apid`).toBe(0);
      }
      expect(world(s).clusters, "etcd clusters").toEqual([]);

      // The operator sets QUORUM_NODES=2 CONTROL_PLANES=3 everywhere. An agent
      // may still read a peer's old values and stop once more (having
      // published its new ones); Talos restarts it, and then they agree.
      const fixed = await untilSuccess(s, ["cp1", "cp2", "cp3"], () => agentEnv(2, 3), 3);
      expectAllExitedZero(fixed.exits);
      expectOneClusterByBest(s);
    });
  });
});

describe("consent settings that differ: teardown", skipWith(skip), () => {
  it("leaves nothing of this run behind", async () => {
    expect(await leftovers()).toEqual({ netns: [], loops: [], mappers: [], mounts: [], tempDirs: [] });
  });
});
