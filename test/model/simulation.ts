// The check behind the folded mode: every plain execution maps to a folded
// one (actions.ts explains how) that ends with the same registers, the same
// histories and the same state of the agent that acted. This walks the plain
// state space breadth-first, carries along each state's folded image, and
// compares the two after every pass and crash.
import { FAIL, KEEP, enabled, type Action, type Answer } from "./actions.js";
import { apply } from "./apply.js";
import { NODES, coreKey, type Ballot } from "./adapter.js";
import { ballotId, initialModel, key, type Agent, type ModelConfig, type ModelState } from "./state.js";

/** What plain actions since agent x's last pass or crash leave for its next folded pass. */
interface Pending {
  readonly reads: readonly (number | null)[]; // per node: a ballot id, FAIL, or null (no read)
  readonly answer: Answer | null;
  readonly ticks: number;
}

interface Pair {
  readonly plain: ModelState;
  readonly folded: ModelState;
  readonly pending: readonly Pending[];
}

const none = (): Pending => ({ reads: NODES.map(() => null), answer: null, ticks: 0 });

export interface SimulationResult {
  readonly states: number;
  /** Passes and crashes compared. */
  readonly compared: number;
  /** How many compared passes folded a reply, a tick, a stale read, a failed read: proof each fold is exercised. */
  readonly folds: { replies: number; ticks: number; stale: number; failed: number };
  readonly mismatch: string | null;
}

/** checkFolding walks plain mode (cfg.mode must be "plain") to `depth` and checks each step's folded image. */
export function checkFolding(cfg: ModelConfig, foldedCfg: ModelConfig, depth: number): SimulationResult {
  const visited = new Set<string>();
  const init = initialModel();
  visited.add(key(init));
  let frontier: Pair[] = [{ plain: init, folded: initialModel(), pending: NODES.map(none) }];
  let compared = 0;
  const folds = { replies: 0, ticks: 0, stale: 0, failed: 0 };
  const count = (act: Action, p: Pending, pair: Pair): void => {
    if (act.kind !== "pass") return;
    if (p.answer !== null) folds.replies += 1;
    if (p.ticks > 0) folds.ticks += 1;
    if (p.reads.includes(FAIL)) folds.failed += 1;
    if (p.reads.some((r, y) => r !== null && r !== FAIL && r !== ballotId(pair.plain.regs[y]?.at(-1) as Ballot))) folds.stale += 1;
  };
  for (let d = 1; d <= depth; d++) {
    const next: Pair[] = [];
    for (const pair of frontier) {
      for (const act of enabled(pair.plain, cfg)) {
        const plain = apply(pair.plain, act, cfg).next;
        if (visited.has(key(plain))) continue;
        visited.add(key(plain));
        const step = image(pair, act, foldedCfg);
        if (typeof step === "string") return { states: visited.size, compared, folds, mismatch: step };
        count(act, pair.pending[act.node] as Pending, pair);
        if (step.folded !== pair.folded) {
          compared += 1;
          const diff = differ(plain, step.folded, act.node);
          if (diff !== null) return { states: visited.size, compared, folds, mismatch: `after ${JSON.stringify(act)}: ${diff}` };
        }
        next.push({ plain, folded: step.folded, pending: step.pending });
      }
    }
    frontier = next;
  }
  return { states: visited.size, compared, folds, mismatch: null };
}

/** image: the folded counterpart of one plain action (a pass or crash is applied; the rest wait). */
function image(pair: Pair, act: Action, cfg: ModelConfig): { folded: ModelState; pending: readonly Pending[] } | string {
  const x = act.node;
  const p = pair.pending[x] as Pending;
  const put = (q: Pending): readonly Pending[] => pair.pending.map((o, i) => (i === x ? q : o));
  switch (act.kind) {
    case "read": {
      const b = act.version === FAIL ? FAIL : ballotId(pair.plain.regs[act.target]?.[act.version] as Ballot);
      return { folded: pair.folded, pending: put({ ...p, reads: p.reads.map((r, y) => (y === act.target ? b : r)) }) };
    }
    case "tick":
      return { folded: pair.folded, pending: put({ ...p, ticks: p.ticks + 1 }) };
    case "reply":
      return { folded: pair.folded, pending: put({ ...p, answer: act.answer }) };
    case "crash":
      return { folded: apply(pair.folded, act, cfg).next, pending: put(none()) };
    case "pass": {
      const a = pair.folded.agents[x] as Agent;
      const reads: number[] = [];
      const copy = (pair.plain.agents[x] as Agent).seen;
      for (const [y, r] of p.reads.entries()) {
        if (r === FAIL) reads.push(FAIL);
        else {
          // No read since the last pass: the plain copy. The folded copy is that same
          // version, or stands for it (apply.ts, representatives): then choose it by index.
          const want = r ?? (copy[y] === null || copy[y] === undefined ? null : ballotId(copy[y]));
          const kept = a.seen[y] ?? null;
          if (want === null || (kept !== null && ballotId(kept) === want)) {
            reads.push(KEEP);
            continue;
          }
          const v = (pair.folded.regs[y] ?? []).findLastIndex((b) => ballotId(b) === want);
          if (v < (a.floor[y] ?? 0)) return `${NODES[x]?.name} read a version of ${NODES[y]?.name} that its folded pass cannot choose`;
          reads.push(v);
        }
      }
      const folded = apply(pair.folded, { kind: "pass", node: x, reads, answer: p.answer, ticks: p.ticks }, cfg).next;
      return { folded, pending: put(none()) };
    }
    default: {
      const unreachable: never = act;
      throw new Error(`unknown action ${JSON.stringify(unreachable)}`);
    }
  }
}

/** differ: what the plain state and its folded image disagree on, or null. */
function differ(plain: ModelState, folded: ModelState, x: number): string | null {
  const current = (s: ModelState): string => s.regs.map((r) => ballotId(r.at(-1) as Ballot)).join(",");
  if (current(plain) !== current(folded)) return "the registers differ";
  if (plain.factsKey !== folded.factsKey) return `the histories differ: ${plain.factsKey} vs ${folded.factsKey}`;
  const a = plain.agents[x] as Agent;
  const b = folded.agents[x] as Agent;
  if (a.status !== b.status || coreKey(a.core, ballotId) !== coreKey(b.core, ballotId)) return `${NODES[x]?.name}'s agent differs`;
  // A folded copy may be the representative of the versions still in its window (apply.ts).
  for (const [y, p] of a.seen.entries()) {
    const f = b.seen[y] ?? null;
    if (p === null || f === null ? p === f : ballotId(p) === ballotId(f)) continue;
    if (p === null || f === null) return `${NODES[x]?.name}'s copy of ${NODES[y]?.name} differs`;
    const reg = folded.regs[y] ?? [];
    const floor = b.floor[y] ?? 0;
    if (reg[floor] !== f || reg.findLastIndex((v) => ballotId(v) === ballotId(p)) < floor) return `${NODES[x]?.name}'s copy of ${NODES[y]?.name} differs`;
  }
  return null;
}
