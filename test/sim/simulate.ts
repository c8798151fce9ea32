// simulate runs one schedule under one policy: the SAFETY phase (faults until
// healAt, checked after every event), then the LIVENESS phase (everyone up,
// connected, no loss, no crashes, bar the control planes a schedule leaves
// dead; see liveness.ts for the judgement).
import { livenessBound } from "./bound.js";
import { crashAgent, startAgent } from "./driver.js";
import type { Schedule } from "./schedule.js";
import { doneAt, judge, living } from "./liveness.js";
import { boot, powerOff, reboot, sync } from "./talos.js";
import { controlPlanes, createWorld, etcdNodes, log, violate, type Policy, type World } from "./world.js";

/** A seed that needs more events than this is looping (a few thousand is typical). */
const MAX_EVENTS = 200_000;

export interface Outcome {
  readonly seed: number;
  readonly policy: string;
  readonly controlPlanes: number;
  /** The first safety violation: two Bootstraps, split brain, an exit 0 without etcd, a busy loop. */
  readonly violation: string | null;
  /** Two nodes got a successful Bootstrap (even if one intent was later lost). */
  readonly doubleBootstrap: boolean;
  /** Two etcd clusters wrote data: the harm itself. */
  readonly splitBrain: boolean;
  /** Why liveness failed, or null; not judged when safety already failed. */
  readonly livenessFailure: string | null;
  /** A liveness failure explained by the documented limitation (the nominee is dead). */
  readonly limitation: string | null;
  /** Heal → the successful Bootstrap call; null if the cluster already existed at the heal. */
  readonly healToBootstrapMs: number | null;
  /** Heal → the last control plane's agent exited 0. */
  readonly healToDoneMs: number | null;
  readonly boundMs: number;
  readonly events: number;
  /** Rare paths this seed took, and how often. */
  readonly coverage: ReadonlyMap<string, number>;
  readonly trace: readonly string[] | null;
}

export function simulate(schedule: Schedule, policy: Policy, trace = false): Outcome {
  const w = createWorld(schedule, policy, trace);
  const bound = livenessBound(schedule);
  plan(w);
  const deadline = schedule.healAt + 3 * bound;
  let events = 0;
  for (let ev = w.q.pop(); ev !== undefined && ev.at <= deadline; ev = w.q.pop()) {
    w.now = ev.at;
    ev.run();
    events += 1;
    check(w, events);
    if (w.stop) break;
    if (w.healed && living(w).every((n) => n.agent === "exited")) break;
  }
  const done = doneAt(w);
  const verdict = w.violations.length === 0 ? judge(w, done, schedule.healAt + bound) : { failure: null, limitation: null };
  const after = w.successes.filter((t) => t >= schedule.healAt);
  return {
    seed: schedule.seed,
    policy: policy.name,
    controlPlanes: controlPlanes(w).length,
    violation: w.violations[0] ?? null,
    doubleBootstrap: w.bootstrapped.length > 1,
    splitBrain: splitBrain(w) !== null,
    livenessFailure: verdict.failure,
    limitation: verdict.limitation,
    healToBootstrapMs: after.length > 0 && w.successes.length === after.length ? (after[0] as number) - schedule.healAt : null,
    healToDoneMs: done === null ? null : done - schedule.healAt,
    boundMs: bound,
    events,
    coverage: w.coverage,
    trace: w.trace,
  };
}

/** plan queues the schedule: first boots, agent crashes, reboots and the heal. */
function plan(w: World): void {
  const s = w.schedule;
  for (const n of w.nodes) w.q.push(n.spec.bootAt, () => !n.up && boot(w, n, startAgent));
  for (const c of s.crashes) {
    const n = w.byName.get(c.node);
    if (n !== undefined) w.q.push(c.at, () => !w.healed && crashAgent(w, n, c.ms, "scheduled"));
  }
  for (const r of s.reboots) {
    const n = w.byName.get(r.node);
    if (n !== undefined) w.q.push(r.at, () => !w.healed && reboot(w, n, r.ms, startAgent));
  }
  w.q.push(s.healAt, () => heal(w));
}

/** heal: from now on every node is up and ready, every agent runs, faults stop; the doomed die. */
function heal(w: World): void {
  w.healed = true;
  const dead = w.schedule.deadAfterHeal;
  log(w, "**", `HEAL: nodes up, faults off${dead.length > 0 ? `; dead for good: ${dead.join(" ")}` : ""}`);
  for (const n of w.nodes) {
    if (dead.includes(n.spec.name)) {
      if (n.up) powerOff(w, n, "dies for good");
      continue;
    }
    if (!n.up) boot(w, n, startAgent);
    sync(w, n);
    n.criReady = true;
    if (n.spec.kind === "cp") startAgent(w, n);
  }
}

/** check runs after every event. A second Bootstrap is recorded but not fatal, to see whether it becomes two clusters. */
function check(w: World, events: number): void {
  if (w.bootstrapped.length > 1 && !w.violations.some((v) => v.startsWith("Bootstrap succeeded"))) {
    violate(w, `Bootstrap succeeded on ${w.bootstrapped.join(" and ")}`, false);
  }
  const split = splitBrain(w);
  if (split !== null) violate(w, split);
  if (events > MAX_EVENTS) violate(w, `no end after ${MAX_EVENTS} events (busy loop?)`);
}

function splitBrain(w: World): string | null {
  const clusters = new Set(etcdNodes(w).flatMap((n) => (n.data === null ? [] : [n.data])));
  if (clusters.size > 1) return `split brain: etcd data of ${[...clusters].join(" and ")}`;
  return null;
}
