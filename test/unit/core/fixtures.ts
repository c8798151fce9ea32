// Small builders for core tests: ballots, peers and views as plain data.
import type { CoreConfig } from "../../../src/core/agent.js";
import type { Ballot, BallotNumber, BallotRead, EtcdEvidence, Nominee, PeerView, View } from "../../../src/core/types.js";

export const CLUSTER = "c".repeat(64);
export const OTHER_CLUSTER = "d".repeat(64);

/** id(n) is a valid ballot id; ids sort like their numbers. */
export const id = (n: number): string => n.toString(16).padStart(32, "0");

export const num = (round: number, who: number): BallotNumber => ({ round, id: id(who) });

export const nominee = (who: number, address = `10.0.0.${who}`): Nominee => ({ id: id(who), address });

export function ballot(who: number, over: Partial<Omit<Ballot, "version" | "id">> = {}): Ballot {
  return { version: 1, id: id(who), cluster: CLUSTER, promised: null, accepted: null, proposal: null, ...over };
}

export const running: EtcdEvidence = { kind: "running" };
export const absent: EtcdEvidence = { kind: "absent", state: "Preparing" };
export const unknown: EtcdEvidence = { kind: "unknown", reason: "deadline exceeded" };

export function peer(address: string, bootTime: number, read: Ballot | BallotRead, etcd: EtcdEvidence = absent): PeerView {
  const b: BallotRead = "version" in read ? { kind: "ok", ballot: read } : read;
  return { address, bootTime: BigInt(bootTime), etcd, ballot: b };
}

export function view(now: number, address: string, bootTime: number, peers: readonly PeerView[], etcd: EtcdEvidence = absent): View {
  return { now, self: { address, bootTime: BigInt(bootTime), etcd }, peers };
}

export const cfg: CoreConfig = {
  quorum: 2,
  scanIntervalMs: 30_000,
  consentIntervalMs: 2_000,
  followerCheckIntervalMs: 15_000,
  preBootstrapDelayMs: 10_000,
  maxBackoffMs: 120_000,
};
