// Breadth-first search over every interleaving, up to a depth (the number of
// actions). States are deduplicated by their canonical key (exactly, no
// hashing), so a state reached by many interleavings is expanded once, at the
// least depth it is reachable in: every state within the bound is visited,
// and the first violation found has a shortest trace. No symmetry reduction:
// A, B and C boot at different times, so they are not interchangeable.
// With cfg.prune, passes that leave everything but the agent's copies as they
// were are not followed (apply.ts, blind(), says why that loses nothing).
import { enabled, type Action } from "./actions.js";
import { apply, blind } from "./apply.js";
import { violation } from "./invariants.js";
import { initialModel, key, type ModelConfig, type ModelState } from "./state.js";

/** A run that would need more states than this stops and says so (several GB of keys and frontier). */
export const MAX_STATES = 20_000_000;

interface Path {
  readonly action: Action;
  readonly prev: Path | null;
}

export interface Level {
  readonly depth: number;
  /** States first reached at this depth. */
  readonly states: number;
  readonly transitions: number;
}

export interface Result {
  /** Deepest level fully explored. */
  readonly depth: number;
  readonly states: number;
  readonly transitions: number;
  readonly maxFrontier: number;
  readonly ms: number;
  /** Nothing new at the last level: the whole reachable space is inside the bound. */
  readonly exhausted: boolean;
  readonly levels: readonly Level[];
  readonly violation: { readonly message: string; readonly actions: readonly Action[] } | null;
}

/** V8 caps a Set near 2^24 entries: spread the keys over shards. */
function visitedSet(): { add(k: string): boolean; size(): number } {
  const shards = Array.from({ length: 16 }, () => new Set<string>());
  let n = 0;
  return {
    add(k) {
      const shard = shards[(k.charCodeAt(k.length >> 1) * 31 + k.charCodeAt(k.length - 1) + k.length) & 15] as Set<string>;
      if (shard.has(k)) return false;
      shard.add(k);
      n += 1;
      return true;
    },
    size: () => n,
  };
}

const unwind = (p: Path | null): Action[] => {
  const out: Action[] = [];
  for (let q = p; q !== null; q = q.prev) out.push(q.action);
  return out.reverse();
};

export interface Hooks {
  /** After each level: progress for the CLI. */
  readonly onLevel?: (l: Level, sofar: Result) => void;
  /** Every state, once, when first reached (the spec compares the two modes with it). */
  readonly onState?: (s: ModelState) => void;
}

export function explore(cfg: ModelConfig, maxDepth: number, hooks: Hooks = {}): Result {
  const started = performance.now();
  const visited = visitedSet();
  const init = initialModel();
  visited.add(key(init));
  hooks.onState?.(init);
  let frontier: { state: ModelState; path: Path | null }[] = [{ state: init, path: null }];
  let transitions = 0;
  let maxFrontier = 1;
  const levels: Level[] = [];
  const result = (depth: number, exhausted: boolean, v: Result["violation"]): Result => ({
    depth,
    states: visited.size(),
    transitions,
    maxFrontier,
    ms: Math.round(performance.now() - started),
    exhausted,
    levels,
    violation: v,
  });
  const first = violation(init, cfg.core.quorum);
  if (first !== null) return result(0, false, { message: first, actions: [] });

  for (let depth = 1; depth <= maxDepth; depth++) {
    const next: typeof frontier = [];
    const before = transitions;
    for (const { state, path } of frontier) {
      for (const action of enabled(state, cfg)) {
        const { next: s, broken } = apply(state, action, cfg);
        transitions += 1;
        if (broken !== null) return result(depth - 1, false, { message: broken, actions: unwind({ action, prev: path }) });
        if (cfg.prune && blind(state, s, action)) continue;
        if (!visited.add(key(s))) continue;
        hooks.onState?.(s);
        const p: Path = { action, prev: path };
        const v = violation(s, cfg.core.quorum);
        if (v !== null) return result(depth - 1, false, { message: v, actions: unwind(p) });
        next.push({ state: s, path: p });
      }
      if (visited.size() > MAX_STATES) throw new Error(`more than ${MAX_STATES} states before depth ${depth}: lower --depth`);
    }
    const level = { depth, states: next.length, transitions: transitions - before };
    levels.push(level);
    maxFrontier = Math.max(maxFrontier, next.length);
    frontier = next;
    hooks.onLevel?.(level, result(depth, next.length === 0, null));
    if (next.length === 0) return result(depth, true, null);
  }
  return result(maxDepth, false, null);
}
