// Issue 11, a cloned ballot with the real agents. The agent on "a" makes its
// ballot; then "k" is made a copy of it before the cluster is bootstrapped:
//  - a whole-disk clone (a VM clone): k has a's ballot file AND a's Talos
//    node id (Identities/local, kept in STATE), so the same machine binding
//    (the sandboxes show no SMBIOS UUID, as a hypervisor that kept it).
//    Both believe they are ballot a. The core specifies: a register under our
//    id showing a state we never wrote, our id served elsewhere, a number
//    with two nominees, or being chosen at an address that is not ours, stops
//    the agent with one clear line (docs/consent.md, "Identity").
//  - a copied EPHEMERAL only: k has a's ballot file but its own node id. The
//    binding differs, so k never uses the file: it starts a fresh ballot and
//    takes part as a new acceptor.
// Either way: never two Bootstraps. Each reads its ballot id at the other's
// address behind another apid key (one host, one key), so a stops too, as
// long as the copy is served: for good with a whole-disk clone (b and c
// decide without them), until k's fresh ballot replaces the copied file with
// a copied EPHEMERAL. Talos restarts an agent that exits 1 (restart:
// untilSuccess), and so does the test.
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeBallot } from "../../src/ballots/codec.js";
import { leftovers } from "../helpers/leaks.js";
import { skipWith } from "../helpers/skips.js";
import { startAgent, startFakeApids, withScenario, type Scenario } from "../helpers/scenario.js";
import {
  agentEnv,
  agentSkipReason,
  bootstrapCalls,
  cp,
  expectAllExitedZero,
  expectBootstrappedOnceBy,
  expectOneClusterByBest,
  records,
  watchWorld,
} from "./agent-scenarios.js";
import { untilSuccess, waitForBallot } from "./fault-scenarios.js";

const skip = agentSkipReason();

/** a's Talos node id (base62, as Talos makes them); a whole-disk clone has it too. */
const A_NODE_ID = "3kTMd6pVz1QbLwXr9YhN2cFgJ7sA5uEo8iRyKvZqBxW";

/** The lines a clone stops with (src/core/survey.ts, recovery.ts, agent.ts). */
const CLONE = /cloned machine or a copied disk|another machine writes under this id|a clone of the nominee|carries two nominees/;

const ballotOf = (s: Scenario, name: string) => decodeBallot(readFileSync(join(s.node(name).varLibDir, "ballot.json")));

/** a's agent makes its ballot (no quorum yet, so nothing more), stops; k gets a copy of the file. */
async function cloneBallot(s: Scenario): Promise<void> {
  await startFakeApids(s);
  const a = s.node("a");
  await startAgent(s, a, s.agentEnv);
  await waitForBallot(a);
  expect(await a.agent!.stop(), "a: stopped before anything was decided").toEqual({ code: 143, signal: null });
  copyFileSync(join(a.varLibDir, "ballot.json"), join(s.node("k").varLibDir, "ballot.json"));
}

describe("a cloned ballot", { ...skipWith(skip), timeout: 300_000 }, () => {
  it("whole-disk clone (same ballot, same node id): one Bootstrap at most, and a copy stops with a clear error", async () => {
    const nodes = [cp("a", 0, { fake: { nodeId: A_NODE_ID } }), cp("b", 1), cp("c", 2), cp("k", 3, { fake: { nodeId: A_NODE_ID } })];
    await withScenario({ nodes, agentEnv: agentEnv(2, 3) }, async (s) => {
      await cloneBallot(s);
      const watch = watchWorld(s);
      // a and k stop on every start until b and c have bootstrapped the cluster without them.
      const run = await untilSuccess(s, ["a", "b", "c", "k"], () => s.agentEnv, 8);
      const seen = watch.stop();
      expect(seen.max, `etcd clusters at once (founders ${seen.founders.join(", ")})`).toBeLessThanOrEqual(1);
      expectAllExitedZero(run.exits);
      const founder = expectOneClusterByBest(s);
      const stopped = ["a", "k"].flatMap((name) => records(s.node(name), "refusing to act").map((r) => `${name}: ${String(r["reason"])}`));
      expect(stopped.length, `a or k stopped as a clone (founder ${founder})`).toBeGreaterThan(0);
      for (const line of stopped) expect(line).toMatch(CLONE);
      for (const name of ["b", "c"]) expect(records(s.node(name), "refusing to act"), `${name}: refusals`).toEqual([]);
      expect(["a", "k"].map((name) => bootstrapCalls(s.node(name))).filter((x) => x > 0).length, "Bootstrap calls on a and k").toBeLessThanOrEqual(1);
      expect(ballotOf(s, "k").id, "k's ballot id").toBe(ballotOf(s, "a").id);
    });
  });

  it("copied EPHEMERAL only (same ballot, its own node id): the copy starts a fresh ballot as a new acceptor; one Bootstrap", async () => {
    // QUORUM_NODES=3 of 3: nothing is decided without k's consent, so k must take part.
    const nodes = [cp("a", 0), cp("b", 1), cp("k", 2)];
    await withScenario({ nodes, agentEnv: agentEnv(3, 3) }, async (s) => {
      await cloneBallot(s);
      const copied = ballotOf(s, "k");
      // a stops while k's apid still serves the copy of a's file, until k writes its own ballot.
      const run = await untilSuccess(s, ["a", "b", "k"], () => s.agentEnv, 5);
      expectAllExitedZero(run.exits);
      expectBootstrappedOnceBy(s, "a");
      expectOneClusterByBest(s);
      expect(ballotOf(s, "k").accepted?.nominee.id, "k accepted a as the nominee").toBe(copied.id);
      const created = records(s.node("k"), "ballot created (written once compared with the peers)");
      expect(created.map((r) => r["replaced"]), "k: why it made a ballot").toEqual(["other-machine"]);
      expect(ballotOf(s, "k").id, "k's ballot id").not.toBe(copied.id);
      expect(ballotOf(s, "a").id, "a's ballot id").toBe(copied.id);
      for (const line of records(s.node("a"), "refusing to act")) expect(String(line["reason"]), "a: refusals").toMatch(/is also served at 10\.[0-9.]+: a cloned machine/);
      for (const name of ["b", "k"]) expect(records(s.node(name), "refusing to act"), `${name}: refusals`).toEqual([]);
    });
  });
});

describe("a cloned ballot: teardown", skipWith(skip), () => {
  it("leaves nothing of this run behind", async () => {
    expect(await leftovers()).toEqual({ netns: [], loops: [], mappers: [], mounts: [], tempDirs: [] });
  });
});
