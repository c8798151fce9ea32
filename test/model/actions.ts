// What can happen next. The brief's model ("plain") has five kinds of action,
// enabled in every order: a read of a peer's register, a pass (the real
// step(), its ballot persisted before anything else), a crash-restart, the
// reply to a Bootstrap call, and time passing for one agent.
//
// Time is abstract and per agent (agents share no clock; the core compares
// its stored times only with its own now). Every agent's now is 0; a tick
// jumps it to its next pending timer (pre-bootstrap delay, backoff, Bootstrap
// retry) and rebases the stored times, so time never grows the state space,
// yet every order in which the agents' timers expire is explored. A pass may
// come at any moment (the waits a decision asks for are not enforced), which
// only adds behaviours: sound for safety.
//
// "folded" (the default) is a reduction of "plain" that reaches the same
// registers, agent states and histories, with fewer actions:
// - Reads. A read by X changes nothing but X's copy of Y, which only X's next
//   pass uses (a crash discards it). So what a pass sees of Y is the version
//   X's last read took, at some instant since X's previous pass or restart,
//   when Y's window held versions floor…current (floor = Y's version count at
//   that pass or restart, minus the window). A folded pass chooses per peer:
//   keep the last copy, any version from floor on, or (where reads may fail)
//   nothing.
// - Ticks and replies. Both change only X's volatile state, which nothing
//   but X's next pass reads (a crash discards it too), so they move to just
//   before that pass: a folded pass first takes the reply (if a call is out),
//   then 0…n of its timers, then steps.
// Every plain execution thus maps to a folded one with the same passes and
// crashes in the same order and the same registers and histories after each;
// the spec checks this on every state plain mode reaches at small depths.
// Crashes stay separate: when one strikes fixes which versions reads after
// it can still return.
import { NODES, timers, reply, type Ballot } from "./adapter.js";
import type { Agent, ModelConfig, ModelState } from "./state.js";

/** In a read or a folded pass: a version index of the target's register, or one of these. */
export const KEEP = -1;
export const FAIL = -2;

export type Answer = "ok" | "retry";

export type Action =
  | { readonly kind: "read"; readonly node: number; readonly target: number; readonly version: number }
  /** reads: per node, KEEP, FAIL or a version (folded), or null (plain: the copies as read). */
  | { readonly kind: "pass"; readonly node: number; readonly reads: readonly number[] | null; readonly answer: Answer | null; readonly ticks: number }
  | { readonly kind: "crash"; readonly node: number }
  | { readonly kind: "reply"; readonly node: number; readonly answer: Answer }
  | { readonly kind: "tick"; readonly node: number };

export const mayFail = (cfg: ModelConfig, reader: number, target: number): boolean => cfg.unreachable.some(([r, t]) => r === reader && t === target);

export function enabled(s: ModelState, cfg: ModelConfig): Action[] {
  const out: Action[] = [];
  s.agents.forEach((a, x) => {
    if (a.status === "done") return;
    if (cfg.mode === "plain") plain(s, cfg, x, a, out);
    else folded(s, cfg, x, a, out);
    out.push({ kind: "crash", node: x });
  });
  return out;
}

function plain(s: ModelState, cfg: ModelConfig, x: number, a: Agent, out: Action[]): void {
  NODES.forEach((_, y) => {
    if (y === x) return;
    (s.regs[y] as readonly Ballot[]).forEach((b, v) => b !== a.seen[y] && out.push({ kind: "read", node: x, target: y, version: v }));
    if (mayFail(cfg, x, y) && a.seen[y] !== null) out.push({ kind: "read", node: x, target: y, version: FAIL });
  });
  if (a.status === "calling") {
    out.push({ kind: "reply", node: x, answer: "ok" }, { kind: "reply", node: x, answer: "retry" });
    return;
  }
  out.push({ kind: "pass", node: x, reads: null, answer: null, ticks: 0 });
  if (timers(a.core, cfg.core).length > 0) out.push({ kind: "tick", node: x });
}

function folded(s: ModelState, cfg: ModelConfig, x: number, a: Agent, out: Action[]): void {
  const answers: (Answer | null)[] = a.status === "calling" ? ["ok", "retry"] : [null];
  for (const answer of answers) {
    const core = answer === null ? a.core : reply(a.core, answer, cfg.core, cfg.random);
    const pending = new Set(timers(core, cfg.core)).size;
    for (let ticks = 0; ticks <= pending; ticks++) {
      for (const reads of choices(s, cfg, x, a)) out.push({ kind: "pass", node: x, reads, answer, ticks });
    }
  }
}

/** choices: every combination of what a folded pass of x may see of each node (its own slot: KEEP). */
function choices(s: ModelState, cfg: ModelConfig, x: number, a: Agent): number[][] {
  let combos: number[][] = [[]];
  NODES.forEach((_, y) => {
    const opts = [KEEP];
    if (y !== x) {
      const reg = s.regs[y] as readonly Ballot[];
      for (let v = a.floor[y] as number; v < reg.length; v++) if (reg[v] !== a.seen[y]) opts.push(v);
      if (mayFail(cfg, x, y) && a.seen[y] !== null) opts.push(FAIL);
    }
    combos = combos.flatMap((c) => opts.map((o) => [...c, o]));
  });
  return combos;
}
