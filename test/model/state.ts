// The model's world: three durable registers (each a short history of the
// ballot versions its owner wrote), three agents (volatile core state and
// what each last read of its peers), and the facts the invariants need.
// Everything is immutable: a transition builds a new state sharing the rest,
// which is what lets state keys be built from parts made once.
import { NODES, coreConfig, coreKey, firstBoot, freshBallot, realStep, type AgentState, type Ballot, type StepFn, type Vote } from "./adapter.js";
import type { CoreConfig } from "../../src/core/agent.js";

/**
 * plain: reads, ticks and replies are actions of their own (the brief's
 * model). folded: each is taken by the pass that uses it (see actions.ts).
 */
export type Mode = "plain" | "folded";

export interface ModelConfig {
  readonly core: CoreConfig;
  readonly step: StepFn;
  /** Versions of a register a read may still return: current, previous, … */
  readonly window: number;
  readonly mode: Mode;
  /** Reader → target pairs whose reads may also fail (the target drops out of the reader's view). */
  readonly unreachable: readonly (readonly [number, number])[];
  /** The jitter fed to step(): it only changes how long a wait is, and time is abstract here. */
  readonly random: number;
  /** Skip blind passes (apply.ts): a sound reduction, on unless comparing. */
  readonly prune: boolean;
}

export type Variant = "connected" | "a-unreachable";

/** variant: who may fail to read whom. In "a-unreachable", B and C may lose sight of A (A still sees them). */
export function modelConfig(o: { variant: Variant; mode?: Mode; window?: number; quorum?: number; preBootstrapDelayMs?: number; step?: StepFn; prune?: boolean }): ModelConfig {
  return {
    core: coreConfig(o.quorum ?? 2, o.preBootstrapDelayMs ?? 10_000),
    step: o.step ?? realStep,
    window: o.window ?? 2,
    mode: o.mode ?? "folded",
    unreachable: o.variant === "a-unreachable" ? [[1, 0], [2, 0]] : [],
    random: 0.5,
    prune: o.prune ?? true,
  };
}

export type Status = "up" | "calling" | "done";

export interface Agent {
  /** calling: its Bootstrap call is out and the reply has not come back. done: stopped for good. */
  readonly status: Status;
  readonly core: AgentState;
  /** Per node: the version of its register this agent last read (null: not in view). */
  readonly seen: readonly (Ballot | null)[];
  /** folded mode, per node: the oldest version index it could still have read since its last pass. */
  readonly floor: readonly number[];
  /** Derived: this agent's part of the state key (made once, by agent()). */
  readonly key: string;
}

export function agent(status: Status, core: AgentState, seen: readonly (Ballot | null)[], floor: readonly number[]): Agent {
  const key = `${status} ${coreKey(core, ballotId)} ${seen.map((b) => (b === null ? "-" : ballotId(b))).join(",")} ${floor.join(",")}`;
  return { status, core, seen, floor, key };
}

export interface Facts {
  /** Nodes an agent ever sent Bootstrap to (sorted, distinct). */
  readonly bootstrapped: readonly number[];
  /** Nominee ids any agent ever learned as chosen (sorted, distinct). */
  readonly learned: readonly string[];
  /** Per node: every vote its register ever showed as accepted. */
  readonly accepted: readonly (readonly Vote[])[];
  /** Every accept request any register ever published. */
  readonly requested: readonly Vote[];
}

export interface ModelState {
  /** Per node: versions of its register, oldest first; the last is current. */
  readonly regs: readonly (readonly Ballot[])[];
  readonly agents: readonly Agent[];
  /** What the invariants read: histories, only ever growing. */
  readonly facts: Facts;
  /** Derived: the facts' part of the state key (made by withFacts()). */
  readonly factsKey: string;
}

const vote = (v: Vote): string => `${v.round}.${v.id}>${v.nominee}`;

export function withFacts(s: Omit<ModelState, "facts" | "factsKey">, facts: Facts): ModelState {
  const f = facts;
  const factsKey = `${f.bootstrapped.join(",")};${f.learned.join(",")};${f.accepted.map((l) => l.map(vote).join(",")).join("|")};${f.requested.map(vote).join(",")}`;
  return { regs: s.regs, agents: s.agents, facts, factsKey };
}

export function initialModel(): ModelState {
  const regs = NODES.map((n) => [freshBallot(n)]);
  const agents = regs.map(([b]) => agent("up", firstBoot(b as Ballot), NODES.map(() => null), NODES.map(() => 0)));
  return withFacts({ regs, agents }, { bootstrapped: [], learned: [], accepted: NODES.map(() => []), requested: [] });
}

/** canonical is JSON with sorted keys (bigints marked). */
function canonical(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(",")}}`;
}

// Each distinct ballot gets a small number (memoised per object: ballots are
// immutable), so state keys name ballots instead of spelling them out.
const interned = new Map<string, number>();
const ids = new WeakMap<Ballot, number>();

export function ballotId(b: Ballot): number {
  let id = ids.get(b);
  if (id === undefined) {
    const c = canonical(b);
    id = interned.get(c);
    if (id === undefined) interned.set(c, (id = interned.size));
    ids.set(b, id);
  }
  return id;
}

/** sameValue: equal content, whether or not the same object. */
export const sameValue = (a: Ballot, b: Ballot): boolean => a === b || ballotId(a) === ballotId(b);

/** key is the canonical form of a state (exact: the visited set stores it, so dedup has no collisions). */
export function key(s: ModelState): string {
  return `${s.regs.map((r) => r.map(ballotId).join(",")).join("|")};${s.agents.map((a) => a.key).join("|")};${s.factsKey}`;
}
