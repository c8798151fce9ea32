// simulate runs one schedule under one policy: the SAFETY phase (faults until
// healAt, checked after every event), then the LIVENESS phase (everyone up,
// connected, no loss, no crashes, bar the control planes a schedule leaves
// dead; see liveness.ts for the judgement), and for the power-cycle family a
// third phase: every control plane reboots with etcd down for a while, and
// nobody may bootstrap again.
import { livenessBound } from "./bound.js";
import { cloneDisk, diskFault } from "./disk.js";
import { crashAgent, startAgent } from "./driver.js";
import type { Schedule } from "./schedule.js";
import { doneAt, judge, living } from "./liveness.js";
import { boot, powerOff, reboot, sync } from "./talos.js";
import { allControlPlanes, createWorld, etcdNodes, log, violate, type Policy, type World } from "./world.js";

/** A seed that needs more events than this is looping (a few thousand is typical). */
const MAX_EVENTS = 200_000;

export interface Outcome {
  readonly seed: number;
  readonly policy: string;
  readonly controlPlanes: number;
  /** The first safety violation: two Bootstraps, split brain, an exit 0 without a cluster, a busy loop. */
  readonly violation: string | null;
  /** Two nodes of one cluster got a successful Bootstrap (even if one intent was later lost). */
  readonly doubleBootstrap: boolean;
  /** Two etcd clusters wrote data where one cluster was meant: the harm itself. */
  readonly splitBrain: boolean;
  /**
   * Why a second Bootstrap is the documented limit, when it is: more ballot
   * ids were ever written than the quorum is a majority of (a quorum set too
   * low, control planes added or replaced, a node that lost its ballot),
   * and the two sides never saw enough of each other for the guard to refuse.
   */
  readonly explained: string | null;
  /** Why liveness failed, or null; not judged when safety already failed. */
  readonly livenessFailure: string | null;
  /** A liveness failure explained by the documented limitation (the nominee is dead). */
  readonly limitation: string | null;
  /** The agents refused to act (a guard stopped them): the documented outcome of a broken assumption. */
  readonly refused: string | null;
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
  let deadline = schedule.healAt + 3 * bound;
  let cycleDone: number | null = null;
  let events = 0;
  for (let ev = w.q.pop(); ev !== undefined && ev.at <= deadline; ev = w.q.pop()) {
    w.now = ev.at;
    ev.run();
    events += 1;
    check(w, events);
    if (w.stop) break;
    if (!w.healed || !living(w).every((n) => n.agent === "exited")) continue;
    const pc = schedule.powerCycle;
    if (pc === null || cycleDone !== null) break;
    if (!w.cycled) {
      // Phase 3: the cluster is done; power-cycle it once.
      const at = w.now + pc.afterMs;
      w.cycled = true;
      cycleDone = at + pc.downMs + pc.etcdDownMs;
      deadline = cycleDone + 3 * bound;
      w.q.push(at, () => powerCycle(w));
    }
  }
  const done = doneAt(w);
  // After a power cycle the bound counts from when etcd may run again.
  const by = cycleDone === null ? schedule.healAt + bound : cycleDone + bound;
  const verdict = w.violations.length === 0 ? judge(w, done, by) : { failure: null, limitation: null, refused: null };
  const after = w.successes.filter((t) => t >= schedule.healAt);
  return {
    seed: schedule.seed,
    policy: policy.name,
    controlPlanes: allControlPlanes(w).length,
    violation: w.violations[0] ?? null,
    doubleBootstrap: clusters(w).some((c) => bootstrapsOf(w, c).length > 1),
    explained: explain(w),
    splitBrain: splitBrain(w) !== null,
    livenessFailure: verdict.failure,
    limitation: verdict.limitation,
    refused: verdict.refused,
    healToBootstrapMs: after.length > 0 && w.successes.length === after.length ? (after[0] as number) - schedule.healAt : null,
    healToDoneMs: done === null || w.cycled ? null : done - schedule.healAt,
    boundMs: bound,
    events,
    coverage: w.coverage,
    trace: w.trace,
  };
}

/** plan queues the schedule: first boots, agent crashes, reboots, disk faults, moves and the heal. */
function plan(w: World): void {
  const s = w.schedule;
  for (const n of w.nodes) {
    if (!Number.isFinite(n.spec.bootAt)) continue; // added by the power cycle
    w.q.push(n.spec.bootAt, () => {
      if (n.up) return;
      if (n.boots === 0) cloneDisk(w, n);
      boot(w, n, startAgent);
    });
  }
  for (const c of s.crashes) {
    const n = w.byName.get(c.node);
    if (n !== undefined) w.q.push(c.at, () => !w.healed && crashAgent(w, n, c.ms, "scheduled"));
  }
  for (const r of s.reboots) {
    const n = w.byName.get(r.node);
    if (n !== undefined) w.q.push(r.at, () => !w.healed && reboot(w, n, r.ms, startAgent));
  }
  for (const f of s.disk) {
    const n = w.byName.get(f.node);
    if (n !== undefined) w.q.push(f.at, () => !w.healed && diskFault(w, n, f, startAgent));
  }
  for (const m of s.moves) {
    const n = w.byName.get(m.node);
    if (n !== undefined) w.q.push(m.at, () => !w.healed && move(w, n.spec.name, m.to));
  }
  w.q.push(s.healAt, () => heal(w));
}

function move(w: World, name: string, to: string): void {
  const n = w.byName.get(name);
  if (n === undefined) return;
  log(w, name, `address moves ${n.address} → ${to}`);
  n.address = to;
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
    if (!Number.isFinite(n.spec.bootAt) && !w.cycled) continue;
    if (!n.up) {
      if (n.boots === 0) cloneDisk(w, n);
      boot(w, n, startAgent);
    }
    sync(w, n);
    n.criReady = true;
    if (n.spec.kind === "cp") startAgent(w, n);
  }
}

/** powerCycle: every control plane of ours goes down and comes back; etcd is held down everywhere. */
function powerCycle(w: World): void {
  const pc = w.schedule.powerCycle;
  if (pc === null) return;
  log(w, "**", `POWER CYCLE: down ${pc.downMs}ms, etcd down ${pc.etcdDownMs}ms more${pc.added === null ? "" : `, ${pc.added} added`}`);
  w.etcdHeldUntil = w.now + pc.downMs + pc.etcdDownMs;
  for (const n of living(w)) {
    if (!Number.isFinite(n.spec.bootAt)) continue;
    if (n.up) powerOff(w, n, "power cycle");
    n.agent = "down";
    w.q.push(w.now + pc.downMs, () => {
      if (n.up) return;
      boot(w, n, startAgent);
      sync(w, n);
      n.criReady = true;
    });
  }
  const added = pc.added === null ? undefined : w.byName.get(pc.added);
  // The new control plane boots first, so it is the oldest in every ranking.
  if (added !== undefined) w.q.push(w.now + Math.floor(pc.downMs / 2), () => !added.up && (boot(w, added, startAgent), sync(w, added), (added.criReady = true)));
}

/** explain: for each cluster with two Bootstraps, is the quorum outnumbered by the ids ever written? */
function explain(w: World): string | null {
  for (const c of clusters(w)) {
    if (bootstrapsOf(w, c).length < 2 && (c !== 0 || w.afterCycle.length === 0)) continue;
    const ids = w.ids.get(c)?.size ?? 0;
    const quorums = allControlPlanes(w).filter((n) => n.spec.cluster === c).map((n) => n.spec.quorum ?? (c === 0 ? w.schedule.cfg.quorum : w.schedule.siblingQuorum));
    const q = Math.min(...quorums);
    if (ids > 2 * q - 1) return `${ids} ballot ids ever written, QUORUM_NODES=${q} is a majority of at most ${2 * q - 1}`;
    return null;
  }
  return null;
}

const clusters = (w: World): number[] => [...new Set(allControlPlanes(w).map((n) => n.spec.cluster))];
const bootstrapsOf = (w: World, c: number): string[] => w.bootstrapped.filter((name) => w.byName.get(name)?.spec.cluster === c);

/** check runs after every event. A second Bootstrap is recorded but not fatal, to see whether it becomes two clusters. */
function check(w: World, events: number): void {
  for (const c of clusters(w)) {
    const b = bootstrapsOf(w, c);
    if (b.length > 1 && !w.violations.some((v) => v.startsWith("Bootstrap succeeded"))) {
      violate(w, `Bootstrap succeeded on ${b.join(" and ")}`, false);
    }
  }
  if (w.afterCycle.length > 0 && !w.violations.some((v) => v.startsWith("Bootstrap after"))) {
    violate(w, `Bootstrap after the power cycle on ${w.afterCycle.join(" and ")}`, false);
  }
  const split = splitBrain(w);
  if (split !== null) violate(w, split);
  if (events > MAX_EVENTS) violate(w, `no end after ${MAX_EVENTS} events (busy loop?)`);
}

function splitBrain(w: World): string | null {
  for (const c of clusters(w)) {
    const data = new Set(etcdNodes(w).flatMap((n) => (n.spec.cluster !== c || n.data === null ? [] : [n.data])));
    if (data.size > 1) return `split brain: etcd data of ${[...data].join(" and ")}`;
  }
  return null;
}
