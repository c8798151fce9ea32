// The simulated daemon: one pass observes, asks the policy, persists the
// ballot, then carries out the decision, exactly in the shell's order. A crash
// can strike inside a pass: before the ballot is persisted, after it (before
// the Bootstrap call), or after the call (its reply then never arrives).
import { decodeBallot, encodeBallot } from "../../src/ballots/codec.js";
import { afterAnswer, bootstrapAnswer } from "../../src/core/bootstrap-answer.js";
import type { Ballot, View } from "../../src/core/types.js";
import { describe } from "./format.js";
import { observe } from "./network.js";
import { hash } from "./prng.js";
import { regression } from "./registers.js";
import { callBootstrap, reboot } from "./talos.js";
import { cover, draw, etcdNodes, log, violate, type SimDecision, type SimNode, type World } from "./world.js";

/** More zero-ms waits in a row than this at one instant is a busy loop. */
const MAX_ZERO_WAITS = 3;

type CrashPoint = "none" | "before-persist" | "after-persist" | "after-call";

export function startAgent(w: World, n: SimNode): void {
  if (!n.up || n.agent === "running" || n.agent === "exited") return;
  const last = n.ballots[n.ballots.length - 1];
  n.process = w.policy.start(n.spec, w.schedule, last === undefined ? null : decodeBallot(last.text));
  n.agent = "running";
  n.gen += 1;
  log(w, n.spec.name, `agent starts${last === undefined ? "" : " (ballot loaded)"}`);
  schedulePass(w, n, 0);
}

export function crashAgent(w: World, n: SimNode, restartMs: number, why: string): void {
  if (n.agent !== "running") return;
  n.agent = "crashed";
  n.process = null;
  n.gen += 1;
  log(w, n.spec.name, `agent crashes (${why}); restart in ${restartMs}ms`);
  const boots = n.boots;
  w.q.push(w.now + restartMs, () => n.boots === boots && n.agent === "crashed" && startAgent(w, n));
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
  const { view, nodes } = observe(w, n);
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
    case "bootstrap":
      return bootstrap(w, n, crash === "after-call", u(3));
    default: {
      const unreachable: never = d;
      throw new Error(`unknown decision ${JSON.stringify(unreachable)}`);
    }
  }
}

function persist(w: World, n: SimNode, b: Ballot): void {
  const text = encodeBallot(b);
  const last = n.ballots[n.ballots.length - 1];
  if (last?.text === text) return;
  const broken = last === undefined ? null : regression(decodeBallot(last.text), b);
  if (broken !== null) violate(w, `${n.spec.name}'s register ${broken}`);
  n.ballots.push({ at: w.now, text });
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

/** exit 0 is allowed only when etcd of OUR cluster really runs somewhere. */
function exit(w: World, n: SimNode): void {
  n.agent = "exited";
  n.process = null;
  n.gen += 1;
  w.exits.set(n.spec.name, w.now);
  if (w.now < w.schedule.healAt) cover(w, "agent exits before the heal");
  if (!etcdNodes(w).some((m) => m.up && m.etcd === "running")) {
    violate(w, `${n.spec.name} exited 0 but no etcd of this cluster is running`);
  }
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

/** bootstrap calls Bootstrap; the answer is classified by the daemon's own table (core/bootstrap-answer.ts). */
function bootstrap(w: World, n: SimNode, crashAfterCall: boolean, u: number): void {
  const failure = callBootstrap(w, n);
  log(w, n.spec.name, `Bootstrap → ${failure === null ? "OK" : failure.kind}`);
  if (failure === null && !w.healed && hash(w.schedule.seed, n.index, n.passes, 7000) < w.schedule.faults.rebootAfterBootstrap) {
    const at = draw(w, n, 40 + n.passes, [0, w.schedule.timing.etcdWriteMs[0]]);
    const down = draw(w, n, 41 + n.passes, [5_000, 60_000]);
    w.q.push(w.now + at, () => !w.healed && reboot(w, n, down, startAgent));
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
  for (const p of view.peers) {
    const node = w.nodes.find((x) => x.spec.address === p.address || x.spec.extraAddress === p.address);
    byNode.set(node?.spec.name ?? p.address, p.bootTime);
  }
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
    case "bootstrap":
      return "BOOTSTRAP";
  }
}
