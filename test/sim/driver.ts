// The simulated daemon: one pass observes, asks the policy, persists the
// ballot, then carries out the decision, exactly in the shell's order. A crash
// can strike inside a pass: before the ballot is persisted, after it (before
// the Bootstrap call), or after the call (its reply then never arrives). A
// halt is exit 1: Talos restarts the service (restart: untilSuccess).
import { decodeBallot, encodeChecked } from "../../src/ballots/codec.js";
import { afterAnswer, bootstrapAnswer } from "../../src/core/bootstrap-answer.js";
import type { Ballot, View } from "../../src/core/types.js";
import { armedWrite, wroteArmed } from "./disk.js";
import { describe } from "./format.js";
import { observe, ownAddress } from "./network.js";
import { hash, hex } from "./prng.js";
import { regression } from "./registers.js";
import { callBootstrap, reboot } from "./talos.js";
import { clusterOf, cover, draw, holder, log, violate, type SimDecision, type SimNode, type World } from "./world.js";

/** More zero-ms waits in a row than this at one instant is a busy loop. */
const MAX_ZERO_WAITS = 3;
/** The shell's wait when its own apid does not answer as a control plane (then it re-plans its address). */
const UNREADY_MS = 1_000;

type CrashPoint = "none" | "before-persist" | "after-persist" | "after-call";

export function startAgent(w: World, n: SimNode): void {
  if (!n.up || n.agent === "running" || n.agent === "exited") return;
  const last = n.ballots[n.ballots.length - 1];
  // The first ballot of a node has its spec id (traces name it); later lives draw new ones.
  const freshId = n.lives === 0 ? n.spec.id : hex(32, w.schedule.seed, n.index, 1000 + n.lives);
  n.lives += 1;
  if (!w.names.has(freshId)) w.names.set(freshId, `${n.spec.name}${"'".repeat(n.lives)}`);
  const quorum = n.spec.quorum ?? (n.spec.cluster === 0 ? w.schedule.cfg.quorum : w.schedule.siblingQuorum);
  n.process = w.policy.start({
    spec: n.spec,
    schedule: w.schedule,
    freshId,
    machine: n.machine,
    cluster: clusterOf(w, n),
    settings: { quorum, controlPlanes: n.spec.cluster === 0 ? w.schedule.cfg.controlPlanes : null },
    durable: last === undefined ? null : decodeBallot(last.text),
  });
  n.agent = "running";
  n.gen += 1;
  n.selfAddress = ownAddress(w, n);
  log(w, n.spec.name, `agent starts${last === undefined ? "" : " (ballot on disk)"}`);
  schedulePass(w, n, 0);
}

/** stopAgent ends the process: a crash (restarted later by the test) or a halt (restarted by Talos). */
export function crashAgent(w: World, n: SimNode, restartMs: number, why: string, halted = false): void {
  if (n.agent !== "running") return;
  n.agent = halted ? "halted" : "crashed";
  n.process = null;
  n.gen += 1;
  log(w, n.spec.name, `agent ${halted ? "halts" : "crashes"} (${why}); restart in ${restartMs}ms`);
  const boots = n.boots;
  w.q.push(w.now + restartMs, () => n.boots === boots && (n.agent === "crashed" || n.agent === "halted") && startAgent(w, n));
}

function schedulePass(w: World, n: SimNode, ms: number): void {
  const gen = n.gen;
  w.q.push(w.now + ms, () => n.gen === gen && n.agent === "running" && pass(w, n));
}

function pass(w: World, n: SimNode): void {
  const proc = n.process;
  if (proc === null) throw new Error("running agent without a process");
  n.passes += 1;
  const u = (salt: number): number => hash(w.schedule.seed, n.index, n.passes, 5000 + salt);
  const seen = observe(w, n);
  if (seen === null) return schedulePass(w, n, UNREADY_MS);
  const { view, nodes } = seen;
  if (equalBootTimes(w, n, view)) cover(w, "equal boot times in a view");
  const out = proc.pass(view, u(0), nodes);
  const crash = crashPoint(w, u(1), u(2));
  if (crash !== "none" && (crash !== "after-call" || out.decision.kind === "bootstrap")) cover(w, `agent crash ${crash} (${out.decision.kind})`);
  if (crash === "before-persist") return crashAgent(w, n, restartMs(w, n), "before persisting");
  if (out.ballot !== null) persist(w, n, out.ballot);
  const d = out.decision;
  if (w.trace !== null) log(w, n.spec.name, `${describe(w, view, out.ballot)} ${out.note} → ${decision(d)}`);
  if (crash === "after-persist") return crashAgent(w, n, restartMs(w, n), "after persisting");
  switch (d.kind) {
    case "wait":
      return waitFor(w, n, d.ms);
    case "exit":
      return exit(w, n);
    case "stand-down":
      return standDown(w, n, d.init);
    case "halt":
      n.halt = d.reason;
      cover(w, `halt: ${d.reason.replace(/[0-9a-f]{8,}|\d+(\.\d+)*|@\S+/g, "…").slice(0, 60)}`);
      return crashAgent(w, n, w.schedule.timing.restartMs, d.reason, true);
    case "bootstrap":
      return bootstrap(w, n, crash === "after-call", u(3));
    default: {
      const unreachable: never = d;
      throw new Error(`unknown decision ${JSON.stringify(unreachable)}`);
    }
  }
}

function persist(w: World, n: SimNode, b: Ballot): void {
  // The store's pair assertion: what we write must read back as itself.
  const text = encodeChecked(b);
  const last = n.ballots[n.ballots.length - 1];
  if (last?.text === text) return;
  const broken = last === undefined ? null : regression(decodeBallot(last.text), b);
  if (broken !== null) violate(w, `${n.spec.name}'s register ${broken}`);
  n.ballots.push({ at: w.now, text });
  const ids = w.ids.get(n.spec.cluster) ?? w.ids.set(n.spec.cluster, new Set()).get(n.spec.cluster);
  ids?.add(b.id);
  if (armedWrite(w, n)) wroteArmed(w, n, startAgent);
}

function waitFor(w: World, n: SimNode, ms: number): void {
  if (!Number.isFinite(ms) || ms < 0) {
    return violate(w, `${n.spec.name} asked to wait ${ms} ms`);
  }
  n.zeroWaits = ms === 0 ? n.zeroWaits + 1 : 0;
  if (n.zeroWaits > MAX_ZERO_WAITS) {
    return violate(w, `${n.spec.name} busy loop: ${n.zeroWaits} zero-ms waits in a row`);
  }
  schedulePass(w, n, ms);
}

/** exit 0 is allowed only once this node's cluster really was bootstrapped (its etcd wrote data). */
function exit(w: World, n: SimNode): void {
  n.agent = "exited";
  n.process = null;
  n.gen += 1;
  n.halt = null;
  w.exits.set(n.spec.name, w.now);
  if (w.now < w.schedule.healAt) cover(w, "agent exits before the heal");
  if (!w.formed.has(n.spec.cluster)) violate(w, `${n.spec.name} exited 0 but its cluster was never bootstrapped`);
}

/** standDown: exit 0 beside an init node, allowed only if one really is there (its etcd may not run yet). */
function standDown(w: World, n: SimNode, init: readonly string[]): void {
  cover(w, "agent stands down beside an init node");
  log(w, n.spec.name, `stands down: init node at ${init.join(", ")}`);
  n.agent = "exited";
  n.process = null;
  n.gen += 1;
  w.exits.set(n.spec.name, w.now);
  if (!w.nodes.some((m) => m.spec.kind === "init")) violate(w, `${n.spec.name} stood down with no init node in the world`);
}

/**
 * Bootstrap goes to the address the shell believes is its own: after a move,
 * that may be another node. The answer is classified by the daemon's own
 * table (core/bootstrap-answer.ts).
 */
function bootstrap(w: World, n: SimNode, crashAfterCall: boolean, u: number): void {
  const target = holder(w, n.selfAddress ?? n.address);
  const reachable = target !== null && target.up && (target.spec.kind === "cp" || target.spec.kind === "init");
  const failure = reachable ? callBootstrap(w, target) : { kind: "unavailable" as const, message: "connection refused" };
  if (target !== n) cover(w, "Bootstrap lands on another node");
  log(w, n.spec.name, `Bootstrap → ${failure === null ? "OK" : failure.kind}${target === n ? "" : ` (on ${target?.spec.name ?? "nobody"})`}`);
  if (failure === null && target !== null && !w.healed && hash(w.schedule.seed, n.index, n.passes, 7000) < w.schedule.faults.rebootAfterBootstrap) {
    const at = draw(w, n, 40 + n.passes, [0, w.schedule.timing.etcdWriteMs[0]]);
    const down = draw(w, n, 41 + n.passes, [5_000, 60_000]);
    w.q.push(w.now + at, () => !w.healed && reboot(w, target, down, startAgent));
  }
  if (crashAfterCall) return crashAgent(w, n, restartMs(w, n), "waiting for the Bootstrap reply");
  const lost = !w.healed && u < w.schedule.faults.replyLost;
  const next = afterAnswer(bootstrapAnswer(lost ? { kind: "timeout", message: "DeadlineExceeded" } : failure));
  if (next === "stop") return violate(w, `${n.spec.name}: Bootstrap refused (${failure?.kind ?? "OK"}), which Talos never answers here`);
  const gen = n.gen;
  w.q.push(w.now + draw(w, n, 20 + n.passes, w.schedule.timing.callMs), () => {
    if (n.gen !== gen || n.agent !== "running" || n.process === null) return;
    if (lost) log(w, n.spec.name, "Bootstrap reply lost (DeadlineExceeded)");
    if (lost && failure === null) cover(w, "Bootstrap succeeded, reply lost");
    n.process.after(next, w.now, hash(w.schedule.seed, n.index, n.passes, 6000));
    schedulePass(w, n, 0);
  });
}

function equalBootTimes(w: World, n: SimNode, view: View): boolean {
  const byNode = new Map<string, bigint>([[n.spec.name, view.self.bootTime]]);
  for (const p of view.peers) byNode.set(holder(w, p.address)?.spec.name ?? p.address, p.bootTime);
  return new Set(byNode.values()).size < byNode.size;
}

function crashPoint(w: World, u: number, v: number): CrashPoint {
  if (w.healed || u >= w.schedule.faults.crashInPass) return "none";
  return v < 1 / 3 ? "before-persist" : v < 2 / 3 ? "after-persist" : "after-call";
}

const restartMs = (w: World, n: SimNode): number => draw(w, n, 30 + n.passes, [500, 15_000]);

function decision(d: SimDecision): string {
  switch (d.kind) {
    case "wait":
      return `wait ${d.ms}ms (${d.reason})`;
    case "exit":
      return `exit 0 (${d.reason})`;
    case "stand-down":
      return `exit 0 (init node ${d.init.join(", ")})`;
    case "halt":
      return `HALT (${d.reason})`;
    case "bootstrap":
      return "BOOTSTRAP";
  }
}
