// A schedule is everything a seed decides about the world before any agent
// runs: nodes, boot times, partitions, crashes, reboots and fault rates. It is
// plain data, so a fixed scenario is written by hand and both policies run on
// the very same one.
import type { CoreConfig } from "../../src/core/agent.js";

/**
 * cp: a control plane running our agent. init: a control plane of machine
 * type init, which Talos bootstraps by itself at its first time sync (it runs
 * no agent: ours stands down on an init node). worker, foreign: never voters.
 */
export type NodeKind = "cp" | "init" | "worker" | "foreign";

/**
 * Fault families: "base" is the random world of partitions, loss, crashes
 * and reboots; each other family adds one kind of fault on top of it (see
 * families.ts), drawn from its own stream so the base world is unchanged.
 */
export const FAMILIES = [
  "base",
  "wipe",
  "rollback",
  "lost-rename",
  "clone",
  "per-node-quorum",
  "wrong-quorum",
  "added-later",
  "address-move",
  "same-ca",
  "unreadable",
  "power-cycle",
] as const;
export type Family = (typeof FAMILIES)[number];

export interface NodeSpec {
  /** Short name for traces: A…G control planes, W workers, F foreign. */
  readonly name: string;
  readonly kind: NodeKind;
  readonly address: string;
  /** Multi-homed: the node also answers here (the same ballot at two addresses). */
  readonly extraAddress: string | null;
  /** Nodes with no route to extraAddress: they see this node at its first address only. */
  readonly extraHiddenFrom: readonly string[];
  /** Ballot id, made once per node (survives restarts and reboots). */
  readonly id: string;
  /** First boot, virtual ms. */
  readonly bootAt: number;
  /** False: the agent does not start before the heal (a late extension install). */
  readonly agentStarts: boolean;
  /** 0: our cluster; 1: another cluster made from the same secrets bundle (same CA). */
  readonly cluster: number;
  /** Machine binding (node id + SMBIOS UUID, hashed) at first boot. */
  readonly machine: string;
  /** This node's own QUORUM_NODES when it differs from the cluster's (a per-node mistake). */
  readonly quorum: number | null;
  /** Its ballot can never be read by anyone (Read refused, a broken disk…), even after the heal. */
  readonly neverReadable: boolean;
  /** A clone: boots with a copy of this node's disk, taken at its boot time. */
  readonly cloneOf: { readonly node: string; readonly sameBinding: boolean } | null;
}

/** A disk fault on one node at `at`: the node is powered off, its disk changed, booted `downMs` later. */
export interface DiskFault {
  readonly node: string;
  readonly at: number;
  readonly downMs: number;
  /**
   * wipe: EPHEMERAL wiped (ballot and etcd data gone; STATE, so the binding, kept);
   * reinstall: the same, with a new machine binding; rollback: the disk goes back
   * to its state `backMs` ago (a VM snapshot revert); lost-rename: power fails right
   * after a ballot write, between the rename and the directory fsync.
   */
  readonly kind: "wipe" | "reinstall" | "rollback" | "lost-rename";
  readonly backMs: number;
}

/** An address move at `at` (DHCP): `node` now answers at `to`, which may be another node's old address. */
export interface Move {
  readonly node: string;
  readonly at: number;
  readonly to: string;
}

/** A full power cycle of our bootstrapped cluster, once every agent exited after the heal. */
export interface PowerCycle {
  readonly afterMs: number;
  readonly downMs: number;
  /** etcd stays down on every node this long after the boot. */
  readonly etcdDownMs: number;
  /** A control plane added during the cycle, with an empty data directory. */
  readonly added: string | null;
}

/** During [start, end) `from` cannot read `to`; a symmetric cut is two of these. */
export interface Cut {
  readonly from: string;
  readonly to: string;
  readonly start: number;
  readonly end: number;
}

/** An agent crash or a node reboot at `at`, back after `ms`. */
export interface Outage {
  readonly node: string;
  readonly at: number;
  readonly ms: number;
}

/** Per-read and per-pass fault probabilities, all zero after the heal. */
export interface Faults {
  readonly loss: number;
  readonly stale: number;
  readonly staleMaxMs: number;
  readonly dup: number;
  readonly unreadable: number;
  readonly unknownEtcd: number;
  /** The Bootstrap reply is lost (the call may still have succeeded). */
  readonly replyLost: number;
  /** The agent crashes inside a pass: before persisting, after, or after the call. */
  readonly crashInPass: number;
  /** BUGGIFY: the node reboots right after a successful Bootstrap, before etcd writes. */
  readonly rebootAfterBootstrap: number;
}

/** Talos node timings, each drawn per boot in [lo, hi] ms. */
export interface Timing {
  readonly syncMs: readonly [number, number];
  readonly criMs: readonly [number, number];
  readonly agentMs: readonly [number, number];
  readonly etcdWriteMs: readonly [number, number];
  readonly callMs: readonly [number, number];
  /** etcd's join loop retries member-add this often (~3 s in Talos). */
  readonly joinTickMs: number;
  /** Largest |clock error| before the first time sync, seconds. */
  readonly skewSec: number;
  /** Talos restarts a service that exited non-zero (restart: untilSuccess) after this. */
  readonly restartMs: number;
}

export interface Schedule {
  readonly seed: number;
  readonly family: Family;
  readonly cfg: CoreConfig;
  /** SHA-256-shaped fingerprint of our machine CA. */
  readonly cluster: string;
  readonly nodes: readonly NodeSpec[];
  readonly cuts: readonly Cut[];
  readonly crashes: readonly Outage[];
  readonly reboots: readonly Outage[];
  readonly faults: Faults;
  readonly timing: Timing;
  /** From here on: everyone up, connected, no loss, no crashes. */
  readonly healAt: number;
  /** Control planes that go down at the heal and never come back (at most n − quorum). */
  readonly deadAfterHeal: readonly string[];
  /** What foreign control planes report of their etcd (they belong to a live cluster). */
  readonly foreignEtcd: "absent" | "running" | "unknown";
  readonly disk: readonly DiskFault[];
  readonly moves: readonly Move[];
  readonly powerCycle: PowerCycle | null;
  /** QUORUM_NODES of the same-CA sibling cluster (cluster 1). */
  readonly siblingQuorum: number;
}

export const noFaults: Faults = {
  loss: 0,
  stale: 0,
  staleMaxMs: 0,
  dup: 0,
  unreadable: 0,
  unknownEtcd: 0,
  replyLost: 0,
  crashInPass: 0,
  rebootAfterBootstrap: 0,
};

export const defaultTiming: Timing = {
  syncMs: [0, 30_000],
  criMs: [2_000, 20_000],
  agentMs: [1_000, 10_000],
  etcdWriteMs: [500, 8_000],
  callMs: [10, 1_500],
  joinTickMs: 3_000,
  skewSec: 7_200,
  restartMs: 5_000,
};

/** The interval presets a seed picks from; the liveness bound is stated in these terms. */
export const presets: readonly CoreConfig[] = [
  { quorum: 0, controlPlanes: null, scanIntervalMs: 30_000, consentIntervalMs: 1_000, followerCheckIntervalMs: 15_000, preBootstrapDelayMs: 10_000, maxBackoffMs: 120_000 },
  { quorum: 0, controlPlanes: null, scanIntervalMs: 5_000, consentIntervalMs: 500, followerCheckIntervalMs: 3_000, preBootstrapDelayMs: 0, maxBackoffMs: 8_000 },
  { quorum: 0, controlPlanes: null, scanIntervalMs: 10_000, consentIntervalMs: 1_000, followerCheckIntervalMs: 20_000, preBootstrapDelayMs: 30_000, maxBackoffMs: 30_000 },
];

export const majority = (n: number): number => Math.floor(n / 2) + 1;
