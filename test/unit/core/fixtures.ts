// Small builders for core tests: ballots, peers and views as plain data.
import type { CoreConfig } from "../../../src/core/agent.js";
import type { Ballot, BallotNumber, BallotRead, ClusterIdentity, EtcdData, EtcdEvidence, Nominee, PeerView, SelfView, View } from "../../../src/core/types.js";

export const CLUSTER: ClusterIdentity = { ca: "c".repeat(64), name: "prod", endpoint: "https://prod.example:6443" };
/** Another CA. */
export const OTHER_CLUSTER: ClusterIdentity = { ...CLUSTER, ca: "d".repeat(64) };
/** The same CA (one secrets bundle), another cluster name. */
export const SIBLING: ClusterIdentity = { ...CLUSTER, name: "staging" };

/** id(n) is a valid ballot id; ids sort like their numbers. */
export const id = (n: number): string => n.toString(16).padStart(32, "0");

/** machine(n) is node n's machine binding. */
export const machine = (n: number): string => n.toString(16).padStart(64, "e");

export const num = (round: number, who: number): BallotNumber => ({ round, id: id(who) });

export const nominee = (who: number, address = `10.0.0.${who}`): Nominee => ({ id: id(who), machine: machine(who), address });

export function ballot(who: number, over: Partial<Omit<Ballot, "version" | "id">> = {}): Ballot {
  return {
    version: 2,
    id: id(who),
    machine: machine(who),
    cluster: CLUSTER,
    settings: { quorum: 2, controlPlanes: null },
    promised: null,
    accepted: null,
    proposal: null,
    bootstrapped: false,
    peers: {},
    ...over,
  };
}

export const running: EtcdEvidence = { kind: "running" };
export const absent: EtcdEvidence = { kind: "absent", state: "Preparing" };
export const unknown: EtcdEvidence = { kind: "unknown", reason: "deadline exceeded" };
export const empty: EtcdData = { kind: "empty" };
export const present: EtcdData = { kind: "present" };

export interface PeerExtra {
  readonly data?: EtcdData;
  readonly key?: string | null;
}

export function peer(address: string, bootTime: number, read: Ballot | BallotRead, etcd: EtcdEvidence = absent, extra: PeerExtra = {}): PeerView {
  const b: BallotRead = "version" in read ? { kind: "ok", ballot: read } : read;
  return { address, bootTime: BigInt(bootTime), etcd, etcdData: extra.data ?? empty, ballot: b, serverKey: extra.key ?? null };
}

/** view: `self` may override any of our own facts; by default our own ballot is read back as "missing". */
export function view(now: number, address: string, bootTime: number, peers: readonly PeerView[], etcd: EtcdEvidence = absent, self: Partial<SelfView> = {}): View {
  return {
    now,
    self: { address, addresses: [address], bootTime: BigInt(bootTime), etcd, etcdData: empty, ballot: { kind: "missing" }, serverKey: null, ...self },
    peers,
  };
}

/** ok wraps a ballot as a successful read (our own read back, for instance). */
export const ok = (b: Ballot): BallotRead => ({ kind: "ok", ballot: b });

export const cfg: CoreConfig = {
  quorum: 2,
  controlPlanes: null,
  scanIntervalMs: 30_000,
  consentIntervalMs: 2_000,
  followerCheckIntervalMs: 15_000,
  preBootstrapDelayMs: 10_000,
  maxBackoffMs: 120_000,
};
