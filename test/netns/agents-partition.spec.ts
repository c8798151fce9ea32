// Issue 4's split brain, with real processes: three control planes, quorum 2,
// A and C cannot reach each other (each drops everything from the other), B
// reaches both; boot times A < C < B. A sees {A, B} and C sees {B, C}: both
// are "the oldest I can see" and both propose. Consent must still let exactly
// one of them bootstrap. Start order differs per round, since timing decides
// who proposes first.
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { Exit } from "../helpers/process.js";
import { leftovers } from "../helpers/leaks.js";
import { skipWith } from "../helpers/skips.js";
import { startAgent, startFakeApids, waitForAgents, withScenario, type Scenario } from "../helpers/scenario.js";
import {
  AGENT_DEADLINE_MS,
  agentEnv,
  agentSkipReason,
  cp,
  electionCandidates,
  expectAllExitedZero,
  expectOneClusterByBest,
  records,
  scanResults,
  watchWorld,
} from "./agent-scenarios.js";

const skip = agentSkipReason();

/** Per round: groups of agents started together, with a pause between groups. */
const ROUNDS: readonly { what: string; groups: readonly (readonly string[])[] }[] = [
  { what: "all agents start together", groups: [["a", "b", "c"]] },
  { what: "B starts last: A and C reach a quorum at the same moment", groups: [["a", "c"], ["b"]] },
  { what: "C and B start first, A last", groups: [["c", "b"], ["a"]] },
];
const GROUP_PAUSE_MS = 1_500;

async function startInGroups(s: Scenario, groups: readonly (readonly string[])[]): Promise<void> {
  for (const [i, group] of groups.entries()) {
    if (i > 0) await sleep(GROUP_PAUSE_MS);
    await Promise.all(group.map((name) => startAgent(s, s.node(name), s.agentEnv)));
  }
}

describe("partition: A and C cannot reach each other, B reaches both", skipWith(skip), () => {
  for (const [round, { what, groups }] of ROUNDS.entries()) {
    it(`round ${round + 1} (${what}): exactly one etcd cluster ever, and every agent exits 0`, async () => {
      await withScenario(
        {
          network: { droppingSpares: 2 },
          nodes: [cp("a", 0), cp("b", 2), cp("c", 1)],
          agentEnv: agentEnv(2, 3),
        },
        async (s) => {
          await s.net.cut("a", "c");
          await startFakeApids(s);
          const watch = watchWorld(s);
          let exits: Record<string, Exit>;
          try {
            await startInGroups(s, groups);
            exits = await waitForAgents(s, AGENT_DEADLINE_MS);
          } finally {
            const seen = watch.stop();
            expect(seen.max, `most etcd clusters seen at once during the run (founders: ${seen.founders.join(", ")})`).toBeLessThanOrEqual(1);
            expect(seen.founders.length, `etcd clusters ever seen (founders: ${seen.founders.join(", ")})`).toBeLessThanOrEqual(1);
          }
          expectAllExitedZero(exits);
          const founder = expectOneClusterByBest(s);
          expect(["a", "c"], "the founder is one of the two that could nominate themselves").toContain(founder);
          // The partition held: A never saw C, C never saw A; B found both.
          for (const [who, never] of [["a", "c"], ["c", "a"]] as const) {
            for (const e of electionCandidates(s, s.node(who))) expect(e.names, `${who}: candidates`).not.toContain(never);
          }
          expect(scanResults(s.node("b")).some((r) => r["controlPlanes"] === 2), "b: a scan found both a and c").toBe(true);
          for (const who of ["a", "c"]) {
            for (const r of scanResults(s.node(who))) expect(r["controlPlanes"], `${who}: control planes in a scan (b at most)`).toBeLessThanOrEqual(1);
          }
          // Which way the rounds went, for the log of a passing run too.
          console.info(`partition round ${round + 1}: bootstrapped by ${founder}; consents logged: ${["a", "b", "c"].map((n) => `${n}=${records(s.node(n), "consent").length}`).join(" ")}`);
        },
      );
    });
  }
});

describe("partition: teardown", skipWith(skip), () => {
  it("leaves nothing of this run behind", async () => {
    expect(await leftovers()).toEqual({ netns: [], loops: [], mappers: [], mounts: [], tempDirs: [] });
  });
});
