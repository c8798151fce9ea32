// The simulated world's state: one record per node, the event queue, and the
// facts the checkers need (who ever got a successful Bootstrap, who exited).
import type { Decision } from "../../src/core/agent.js";
import type { TypedNode } from "../../src/core/init-node.js";
import type { Ballot, View } from "../../src/core/types.js";
import { hash } from "./prng.js";
import { queue, type Queue } from "./queue.js";
import type { NodeSpec, Schedule } from "./schedule.js";

export type EtcdState = "absent" | "preparing" | "running";
export type AgentStatus = "not-started" | "running" | "crashed" | "exited" | "down";

/** What a pass decides: the core's decision, or standing down beside an init node (the shell's rule). */
export type SimDecision = Decision | { readonly kind: "stand-down"; readonly init: readonly string[] };

/** One agent process: its in-memory state lives in the closure and dies with it. */
export interface AgentProcess {
  /** `nodes`: this node and the control planes in view, with their machine types. */
  pass(view: View, random: number, nodes: readonly TypedNode[]): { ballot: Ballot | null; decision: SimDecision; note: string };
  after(answer: "ok" | "retry", now: number, random: number): void;
}

/** A decision policy under test: our core, or the old observe-and-elect agent. */
export interface Policy {
  readonly name: string;
  /** Whether foreign control planes reach its views (as if TLS let them through). */
  readonly seesForeign: boolean;
  start(spec: NodeSpec, schedule: Schedule, durable: Ballot | null): AgentProcess;
}

export interface SimNode {
  readonly spec: NodeSpec;
  readonly index: number;
  up: boolean;
  boots: number;
  /** Virtual ms of the current boot. */
  bootMs: number;
  skewSec: number;
  synced: boolean;
  criReady: boolean;
  etcd: EtcdState;
  /** Name of the node whose Bootstrap created the etcd cluster this data dir belongs to. */
  data: string | null;
  /** A Bootstrap accepted but not yet written to disk (lost on reboot). */
  intent: number | null;
  agent: AgentStatus;
  /** Bumped whenever the agent process dies: its pending events are dropped. */
  gen: number;
  process: AgentProcess | null;
  passes: number;
  /** Passes in a row that asked to wait 0 ms at the same instant (a busy loop). */
  zeroWaits: number;
  /** Durable register history, as the bytes peers would read. */
  readonly ballots: { at: number; text: string }[];
}

export interface World {
  readonly schedule: Schedule;
  readonly policy: Policy;
  readonly nodes: readonly SimNode[];
  readonly byName: ReadonlyMap<string, SimNode>;
  readonly names: ReadonlyMap<string, string>;
  readonly q: Queue;
  now: number;
  healed: boolean;
  /** Nodes that ever got a successful Bootstrap: more than one is split brain. */
  readonly bootstrapped: string[];
  readonly successes: number[];
  calls: number;
  intents: number;
  readonly exits: Map<string, number>;
  /** Safety violations in the order found; the first one is reported. */
  readonly violations: string[];
  /** Set by a violation that ends the seed (all but a second Bootstrap). */
  stop: boolean;
  readonly trace: string[] | null;
  /** How often each rare path was taken: proof that the faults bite. */
  readonly coverage: Map<string, number>;
}

export function createWorld(schedule: Schedule, policy: Policy, trace: boolean): World {
  const nodes = schedule.nodes.map(
    (spec, index): SimNode => ({
      spec,
      index,
      up: false,
      boots: 0,
      bootMs: 0,
      skewSec: 0,
      synced: false,
      criReady: false,
      etcd: "absent",
      data: null,
      intent: null,
      agent: "down",
      gen: 0,
      process: null,
      passes: 0,
      zeroWaits: 0,
      ballots: [],
    }),
  );
  return {
    schedule,
    policy,
    nodes,
    byName: new Map(nodes.map((n) => [n.spec.name, n])),
    names: new Map(nodes.map((n) => [n.spec.id, n.spec.name])),
    q: queue(),
    now: 0,
    healed: false,
    bootstrapped: [],
    successes: [],
    calls: 0,
    intents: 0,
    exits: new Map(),
    violations: [],
    stop: false,
    trace: trace ? [] : null,
    coverage: new Map(),
  };
}

/** controlPlanes: the control planes that run our agent. */
export const controlPlanes = (w: World): SimNode[] => w.nodes.filter((n) => n.spec.kind === "cp");

/** etcdNodes: every node whose etcd is of this cluster, init nodes included. */
export const etcdNodes = (w: World): SimNode[] => w.nodes.filter((n) => n.spec.kind === "cp" || n.spec.kind === "init");

/** reachable: can `from` read `to` now? Cuts are directed; a symmetric one is two. */
export function reachable(w: World, from: SimNode, to: SimNode): boolean {
  if (!to.up) return false;
  for (const c of w.schedule.cuts) {
    if (c.from === from.spec.name && c.to === to.spec.name && c.start <= w.now && w.now < c.end) return false;
  }
  return true;
}

/** draw is a per-node random number in [lo, hi] for one purpose, stable per boot. */
export function draw(w: World, n: SimNode, salt: number, range: readonly [number, number]): number {
  const [lo, hi] = range;
  return lo + Math.floor(hash(w.schedule.seed, n.index, n.boots, salt) * (hi - lo + 1));
}

/** violate records a broken invariant; `fatal` ends the seed at once. */
export function violate(w: World, what: string, fatal = true): void {
  w.violations.push(what);
  w.stop ||= fatal;
  log(w, "!!", `VIOLATION ${what}`);
}

export function cover(w: World, what: string): void {
  w.coverage.set(what, (w.coverage.get(what) ?? 0) + 1);
}

export function log(w: World, node: string, text: string): void {
  if (w.trace === null) return;
  w.trace.push(`${(w.now / 1000).toFixed(3).padStart(9)}s ${node.padEnd(3)} ${text}`);
}
