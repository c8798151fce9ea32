// Types shared by the pure core and the I/O edges. The edges import from
// here; core/ imports nothing from node:, grpc or pino.

/** A node's machine type as Talos reports it (MachineTypes.config.talos.dev). */
export type MachineType = "controlplane" | "init" | "worker" | "unknown";

/** True for the types that run etcd and may be bootstrapped. */
export const isControlPlane = (t: MachineType): boolean => t === "controlplane" || t === "init";

/**
 * What this node knows of etcd on one control plane. Doubt is a value:
 * only "absent" can ever lead to Bootstrap.
 */
export type EtcdEvidence =
  | { kind: "running" } // etcd service Running + healthy (ServiceList)
  | { kind: "absent"; state: string } // etcd known not to run (e.g. "Preparing", "Waiting")
  | { kind: "unknown"; reason: string }; // could not be read

/** A ballot number: compared by round, then by the proposer's id. */
export interface BallotNumber {
  readonly round: number;
  readonly id: string;
}

/** The value being decided: which node may call Bootstrap, ever. */
export interface Nominee {
  readonly id: string;
  readonly address: string;
}

/**
 * The one durable record of an agent, published at
 * /var/lib/autobootstrap/ballot.json and read by peers with MachineService/Read.
 * Only its owner writes it (single-writer register).
 */
export interface Ballot {
  readonly version: 1;
  /** Random id made once per node; survives restarts and reboots. */
  readonly id: string;
  /** SHA-256 fingerprint of the machine CA: ballots of another cluster are ignored. */
  readonly cluster: string;
  /** Acceptor: highest ballot number promised. */
  readonly promised: BallotNumber | null;
  /** Acceptor: the last proposal accepted. */
  readonly accepted: { readonly number: BallotNumber; readonly nominee: Nominee } | null;
  /** Proposer: this node's own request, read by the acceptors. */
  readonly proposal: Proposal | null;
}

export type Proposal =
  | { readonly phase: "prepare"; readonly number: BallotNumber }
  | { readonly phase: "accept"; readonly number: BallotNumber; readonly nominee: Nominee };

/** Outcome of probing one address on port 50000. Never an empty list for an error. */
export type ProbeResult =
  | { kind: "talos"; address: string; machineType: MachineType; bootTime: bigint }
  | { kind: "refused"; address: string }
  | { kind: "timeout"; address: string }
  /** The server refused our client certificate (another cluster's CA, or not apid). */
  | { kind: "tls-rejected"; address: string; detail: string }
  /** The server's certificate does not verify against our CA and the dialed IP. */
  | { kind: "foreign"; address: string; detail: string }
  /** TLS verified but the replies made no sense, or an unexpected error. */
  | { kind: "malformed"; address: string; detail: string };

/** Counts of a finished scan, for the log line "scan result". */
export interface ScanSummary {
  readonly probed: number;
  readonly controlPlanes: number;
  readonly workers: number;
  readonly foreign: number;
  readonly unreachable: number;
  readonly malformed: number;
}

/** What a peer's ballot file looked like this pass. */
export type BallotRead =
  | { kind: "ok"; ballot: Ballot }
  /** No ballot yet: its agent has not started (NotFound). Not an acceptor yet. */
  | { kind: "missing" }
  | { kind: "unreadable"; reason: string };

/** One control plane of our cluster as seen this pass (TLS-verified against our CA). */
export interface PeerView {
  readonly address: string;
  readonly bootTime: bigint;
  readonly etcd: EtcdEvidence;
  readonly ballot: BallotRead;
}

/** This node as seen through its own apid. */
export interface SelfView {
  readonly address: string;
  readonly bootTime: bigint;
  readonly etcd: EtcdEvidence;
}

/** Everything one pass observed; the only input of the core besides time and randomness. */
export interface View {
  /** Milliseconds on the shell's clock (monotonic in production). */
  readonly now: number;
  readonly self: SelfView;
  readonly peers: readonly PeerView[];
}
