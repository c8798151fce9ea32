// What an action does to the model's state. Deterministic: a trace is just
// its list of actions, replayed by format.ts.
import { NODES, ballotOf, boot, brokenPromise, coreKey, pass, rebase, reply, timers, type AgentState, type Ballot } from "./adapter.js";
import { FAIL, KEEP, type Action } from "./actions.js";
import { recordPass } from "./invariants.js";
import { agent, ballotId, sameValue, withFacts, type Agent, type ModelConfig, type ModelState } from "./state.js";

export interface Applied {
  readonly next: ModelState;
  /** A register write that broke a promise, or null. */
  readonly broken: string | null;
  /** What a pass decided, for traces. */
  readonly note: string;
}

export function apply(s: ModelState, act: Action, cfg: ModelConfig): Applied {
  const x = act.node;
  const a = s.agents[x] as Agent;
  const set = (next: Agent): Applied => ({ next: trim(withAgent(s, x, next), cfg), broken: null, note: "" });
  switch (act.kind) {
    case "read": {
      const got = act.version === FAIL ? null : (s.regs[act.target]?.[act.version] ?? null);
      return set(agent(a.status, a.core, a.seen.map((b, y) => (y === act.target ? got : b)), a.floor));
    }
    case "pass":
      return runPass(s, act, cfg);
    case "crash":
      return set(agent("up", boot(s.regs[x]?.at(-1) as Ballot), a.seen.map(() => null), floors(s.regs, cfg, x)));
    case "reply":
      return set(agent("up", reply(a.core, act.answer, cfg.core, cfg.random), a.seen, a.floor));
    case "tick":
      return set(agent(a.status, tick(a.core, cfg), a.seen, a.floor));
    default: {
      const unreachable: never = act;
      throw new Error(`unknown action ${JSON.stringify(unreachable)}`);
    }
  }
}

/** tick jumps the agent's clock to its next pending timer. */
function tick(core: AgentState, cfg: ModelConfig): AgentState {
  const t = timers(core, cfg.core);
  return t.length === 0 ? core : rebase(core, Math.min(...t), cfg.core);
}

const withAgent = (s: ModelState, x: number, next: Agent): ModelState => ({ ...s, agents: s.agents.map((o, i) => (i === x ? next : o)) });

function runPass(s: ModelState, act: Extract<Action, { kind: "pass" }>, cfg: ModelConfig): Applied {
  const x = act.node;
  const a = s.agents[x] as Agent;
  let core = act.answer === null ? a.core : reply(a.core, act.answer, cfg.core, cfg.random);
  for (let i = 0; i < act.ticks; i++) core = tick(core, cfg);
  const pick = (y: number, c: number): Ballot | null => (c === KEEP ? (a.seen[y] ?? null) : c === FAIL ? null : (s.regs[y]?.[c] ?? null));
  const seen = act.reads === null ? a.seen : a.seen.map((b, y) => (y === x ? b : pick(y, act.reads?.[y] ?? KEEP)));
  const r = pass(cfg.step, core, NODES[x] as (typeof NODES)[number], seen, cfg.core, cfg.random);
  const before = s.regs[x]?.at(-1) as Ballot;
  const after = ballotOf(r.state);
  const written = !sameValue(after, before);
  const regs = written ? s.regs.map((reg, i) => (i === x ? [...reg, after] : reg)) : s.regs;
  const status = r.outcome === "bootstrap" ? "calling" : r.outcome === "stop" ? "done" : "up";
  const floor = floors(regs, cfg, x);
  const mine = agent(status, r.state, cfg.mode === "folded" ? representatives(seen, regs, floor) : seen, floor);
  const next = recordPass(withAgent({ ...s, regs }, x, mine), x, r.outcome === "bootstrap", r.learned, written ? after : null);
  const note = r.outcome === "bootstrap" ? "BOOTSTRAP" : r.outcome === "stop" ? `stops (${r.reason})` : `wait (${r.reason})`;
  const broken = written ? brokenPromise(before, after) : null;
  return { next: trim(next, cfg), broken: broken === null ? null : `${NODES[x]?.name}'s register ${broken}`, note };
}

/**
 * blind: a pass that changed nothing but the agent's copies and floors (same
 * core, status, register and histories). Every future of the state after it
 * is a future of the state before it: the agent's next pass could see, from
 * the state before, anything it could see from the state after (its copy was
 * chosen among the versions that pass offers, and its floor only rose), and
 * nobody else's options changed. So the state after adds no reachable
 * register, history or violation and need not be explored; the spec checks
 * that pruning these reaches the same registers and histories.
 */
export function blind(prev: ModelState, next: ModelState, act: Action): boolean {
  if (act.kind !== "pass" || prev.factsKey !== next.factsKey) return false;
  const x = act.node;
  const a = prev.agents[x] as Agent;
  const b = next.agents[x] as Agent;
  return a.status === b.status && prev.regs[x]?.at(-1) === next.regs[x]?.at(-1) && coreKey(a.core, ballotId) === coreKey(b.core, ballotId);
}

/**
 * representatives: after a folded pass, a copy that is still in its
 * register's window (at or above the new floor) is replaced by the oldest
 * version there. The next pass may pick any version from the floor on anyway,
 * so which of them the copy was changes nothing ahead; keeping it would only
 * split one future into several equal states. A copy below the floor (a stale
 * read kept) stays: only it lets the next pass see something that old.
 */
function representatives(seen: readonly (Ballot | null)[], regs: readonly (readonly Ballot[])[], floor: readonly number[]): (Ballot | null)[] {
  return seen.map((b, y) => {
    const reg = regs[y] ?? [];
    const f = floor[y] ?? 0;
    return b !== null && reg.indexOf(b) >= f ? (reg[f] ?? b) : b;
  });
}

/** floors: per peer register, the oldest version a read by x from now on can still return (folded mode). */
const floors = (regs: readonly (readonly Ballot[])[], cfg: ModelConfig, x: number): number[] =>
  regs.map((r, y) => (cfg.mode === "plain" || y === x ? 0 : Math.max(0, r.length - cfg.window)));

/**
 * trim drops register versions nobody can read any more (plain: outside the
 * window; folded: below every reader's floor) and re-indexes the floors, so
 * equal futures have equal states.
 */
function trim(s: ModelState, cfg: ModelConfig): ModelState {
  let agents = s.agents;
  let changed = false;
  const regs = s.regs.map((reg, y) => {
    const k = cfg.mode === "plain" ? reg.length - cfg.window : Math.min(...agents.filter((_, x) => x !== y).map((a) => a.floor[y] as number));
    if (k <= 0) return reg;
    changed = true;
    if (cfg.mode === "folded") agents = agents.map((a, x) => (x === y ? a : agent(a.status, a.core, a.seen, a.floor.map((f, i) => (i === y ? f - k : f)))));
    return reg.slice(k);
  });
  return changed ? withFacts({ regs, agents }, s.facts) : s;
}
