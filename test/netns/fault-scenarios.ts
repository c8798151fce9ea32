// Shared parts of the fault scenarios of issue 11 (agents-clone, -quorum,
// -siblings, -reboot): Talos's restart of a failed service, a reboot of a
// node's apid, and log records counted from a point in the run.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { logRecords, type LogRecord } from "../helpers/agent-log.js";
import { waitFor, within } from "../helpers/deadline.js";
import type { Exit } from "../helpers/process.js";
import { startAgent, startFakeApid, type NodeRun, type Scenario } from "../helpers/scenario.js";
import { AGENT_DEADLINE_MS, bootstrapCalls } from "./agent-scenarios.js";

/** Talos waits before it restarts a failed service; a short pause keeps the tests quick. */
const RESTART_PAUSE_MS = 1_000;

/**
 * untilSuccess plays Talos's `restart: untilSuccess` for the agents of
 * `names`, each on its own: an agent that exits non-zero is started again,
 * at most `starts` times in all. Resolves with each agent's last exit and
 * how many starts it took, or throws naming an agent still running at the
 * deadline.
 */
export async function untilSuccess(
  s: Scenario,
  names: readonly string[],
  env: (name: string) => Readonly<Record<string, string>>,
  starts: number,
): Promise<{ exits: Record<string, Exit>; starts: Record<string, number> }> {
  const deadline = Date.now() + starts * AGENT_DEADLINE_MS;
  const one = async (name: string): Promise<[Exit, number]> => {
    for (let n = 1; ; n++) {
      const agent = await startAgent(s, s.node(name), env(name));
      const exit = await within(agent.exited, Math.max(0, deadline - Date.now()));
      if (exit === null) throw new Error(`${name}: agent still running at the deadline (start ${n})`);
      if (exit.code === 0 || n >= starts) return [exit, n];
      await sleep(RESTART_PAUSE_MS);
    }
  };
  const done = await Promise.all(names.map(one));
  return {
    exits: Object.fromEntries(names.map((name, i) => [name, done[i]![0]])),
    starts: Object.fromEntries(names.map((name, i) => [name, done[i]![1]])),
  };
}

/** waitForBallot: the node's agent has written its ballot file. */
export function waitForBallot(n: NodeRun): Promise<true> {
  const file = join(n.varLibDir, "ballot.json");
  return waitFor(`${n.spec.name} to write its ballot`, () => (existsSync(file) ? true : undefined), { timeoutMs: AGENT_DEADLINE_MS });
}

/** A point in a node's logs: what its agent logged and its apid answered so far. */
export interface Mark {
  readonly records: number;
  readonly bootstraps: number;
}

export function mark(n: NodeRun): Mark {
  return { records: logRecords(n.agentLog).length, bootstraps: bootstrapCalls(n) };
}

/** The agent's records with this msg since the mark. */
export function recordsSince(n: NodeRun, m: Mark, msg: string): LogRecord[] {
  return logRecords(n.agentLog).slice(m.records).filter((r) => r.msg === msg);
}

/** Bootstrap calls the node's apid answered since the mark. */
export function bootstrapsSince(n: NodeRun, m: Mark): number {
  return bootstrapCalls(n) - m.bootstraps;
}

/**
 * reboot stops the node's apid and starts it again as Talos comes back
 * from a reboot: a later boot time, the same files and etcd world, and
 * `fake` (etcdDownMs: etcd down for a while though its data is kept).
 */
export async function reboot(s: Scenario, n: NodeRun, bootTime: bigint, fake: Readonly<Record<string, unknown>>): Promise<void> {
  if (n.fakeAddresses.length !== 1) throw new Error(`${n.spec.name}: reboot() handles one apid address`);
  await n.fake?.stop();
  const again = { ...n, spec: { ...n.spec, bootTime, fake: { ...n.spec.fake, ...fake } } };
  await startFakeApid(s, again, 0);
  n.fake = again.fake;
}
