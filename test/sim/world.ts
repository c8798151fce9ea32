// The simulated world's state: one record per node, the event queue, and the
// facts the checkers need (who ever got a successful Bootstrap, who exited).
import type { Decision } from "../../src/core/agent.js";
import type { TypedNode } from "../../src/core/init-node.js";
import type { Ballot, ClusterIdentity, Settings, View } from "../../src/core/types.js";
import { hash } from "./prng.js";
import { queue, type Queue } from "./queue.js";
import type { NodeSpec, Schedule } from "./schedule.js";

export type EtcdState = "absent" | "preparing" | "running";
/** halted: the agent exited 1 (a guard refused); Talos restarts it (restart: untilSuccess). */
export type AgentStatus = "not-started" | "running" | "crashed" | "halted" | "exited" | "down";

/** What a pass decides: the core's decision, or standing down beside an init node (the shell's rule). */
export type SimDecision = Decision | { readonly kind: "stand-down"; readonly init: readonly string[] };

/** One agent process: its in-memory state lives in the closure and dies with it. */
export interface AgentProcess {
  /** `nodes`: this node and the control planes in view, with their machine types. */
  pass(view: View, random: number, nodes: readonly TypedNode[]): { ballot: Ballot | null; decision: SimDecision; note: string };
  after(answer: "ok" | "retry", now: number, random: number): void;
}

/** What an agent process starts with: this machine's facts and its disk. */
export interface StartInfo {
  readonly spec: NodeSpec;
  readonly schedule: Schedule;
  /** The id a fresh ballot would get (the store draws it at random). */
  readonly freshId: string;
  readonly machine: string;
  readonly cluster: ClusterIdentity;
  readonly settings: Settings;
  /** The last ballot on disk, if any. */
  readonly durable: Ballot | null;
}

/** A decision policy under test: our core, or the old observe-and-elect agent. */
export interface Policy {
  readonly name: string;
  /** Whether other-CA control planes reach its views (as if TLS let them through). */
  readonly seesForeign: boolean;
  /**
   * The previous store: the new file became visible at rename() before the
   * directory fsync made it durable, so a power loss could undo a write peers
   * had already read. Only the lost-rename family shows the difference.
   */
  readonly oldStore?: boolean;
  start(info: StartInfo): AgentProcess;
}

export interface SimNode {
  readonly spec: NodeSpec;
  readonly index: number;
  /** Where the node answers now (moves with DHCP); extraAddress is fixed. */
  address: string;
  /** Its machine binding now (a reinstall makes a new one). */
  machine: string;
  /** The address the running agent's shell believes is its own (set at agent start). */
  selfAddress: string | null;
  /** Fresh ballot ids drawn so far (each start without a usable file draws one). */
  lives: number;
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
  /** When the data dir was written (a rollback to before it empties it). */
  dataAt: number;
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
  ballots: { at: number; text: string }[];
  /** Why the agent last halted (exit 1), for the liveness judgement. */
  halt: string | null;
}

export interface World {
  readonly schedule: Schedule;
  readonly policy: Policy;
  readonly nodes: readonly SimNode[];
  readonly byName: ReadonlyMap<string, SimNode>;
  /** Ballot id → node name, for traces (fresh ids are added as drawn). */
  readonly names: Map<string, string>;
  readonly q: Queue;
  now: number;
  healed: boolean;
  /** Nodes that ever got a successful Bootstrap: more than one per cluster is split brain. */
  readonly bootstrapped: string[];
  /** Clusters whose etcd ever wrote data: only then may their agents exit 0. */
  readonly formed: Set<number>;
  /** etcd may not start on any node before this (a full power cycle). */
  etcdHeldUntil: number;
  /** The power cycle has happened (phase 3). */
  cycled: boolean;
  /** Successful Bootstraps after the power cycle (there must be none). */
  readonly afterCycle: string[];
  /** Nodes whose next ballot write is followed by a power loss (lost-rename), with the window in ms. */
  readonly armed: Map<string, number>;
  /** Ballot ids ever written, per cluster: more than 2q − 1 and no quorum is a majority any more. */
  readonly ids: Map<number, Set<string>>;
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
      address: spec.address,
      machine: spec.machine,
      selfAddress: null,
      lives: 0,
      up: false,
      boots: 0,
      bootMs: 0,
      skewSec: 0,
      synced: false,
      criReady: false,
      etcd: "absent",
      data: null,
      dataAt: 0,
      intent: null,
      agent: "down",
      gen: 0,
      process: null,
      passes: 0,
      zeroWaits: 0,
      ballots: [],
      halt: null,
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
    formed: new Set(),
    etcdHeldUntil: 0,
    cycled: false,
    afterCycle: [],
    armed: new Map(),
    ids: new Map(),
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

/** Our cluster's control planes (cluster 0); `of(w, 1)` gives the same-CA sibling's. */
export const controlPlanes = (w: World, cluster = 0): SimNode[] => w.nodes.filter((n) => n.spec.kind === "cp" && n.spec.cluster === cluster);

/** Every control plane that runs our agent, both clusters. */
export const allControlPlanes = (w: World): SimNode[] => w.nodes.filter((n) => n.spec.kind === "cp");

/** etcdNodes: every node whose etcd belongs to a cluster of ours (init nodes included), both clusters. */
export const etcdNodes = (w: World): SimNode[] => w.nodes.filter((n) => n.spec.kind === "cp" || n.spec.kind === "init");

/** The identity a node's agent publishes: our CA always; the sibling differs in name and endpoint. */
export function clusterOf(w: World, n: SimNode): ClusterIdentity {
  const c = n.spec.cluster;
  return { ca: w.schedule.cluster, name: `cluster-${c}`, endpoint: `https://cp-${c}.example:6443` };
}

/** addressesOf: where a node answers now. */
export const addressesOf = (n: SimNode): string[] => (n.spec.extraAddress === null ? [n.address] : [n.address, n.spec.extraAddress]);

/** holder is the node answering at `address` now (up or not), or null. */
export function holder(w: World, address: string): SimNode | null {
  return w.nodes.find((n) => n.address === address || n.spec.extraAddress === address) ?? null;
}

/** serverKey: a node's apid key, new at every boot (Talos issues the certificate with a fresh key). */
export const serverKey = (w: World, n: SimNode): string => `${w.schedule.seed.toString(16)}-${n.index}-${n.boots}`;

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
