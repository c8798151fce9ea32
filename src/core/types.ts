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

/**
 * Whether a control plane's etcd data directory (/var/lib/etcd/member, as
 * MachineService/List shows it) holds anything. Data there means the cluster
 * was bootstrapped, even while etcd is down on every node (a full power
 * cycle). Only "empty" can ever lead to Bootstrap.
 */
export type EtcdData = { kind: "present" } | { kind: "empty" } | { kind: "unknown"; reason: string };

/** A ballot number: compared by round, then by the proposer's id. */
export interface BallotNumber {
  readonly round: number;
  readonly id: string;
}

/** The value being decided: which machine may call Bootstrap, ever. */
export interface Nominee {
  readonly id: string;
  /** The nominee's machine binding: a clone with another binding is not the nominee. */
  readonly machine: string;
  /** Where it answered when nominated (for the log; never compared for identity alone). */
  readonly address: string;
}

export interface Accepted {
  readonly number: BallotNumber;
  readonly nominee: Nominee;
}

export type Proposal =
  | { readonly phase: "prepare"; readonly number: BallotNumber }
  | { readonly phase: "accept"; readonly number: BallotNumber; readonly nominee: Nominee };

/**
 * A cluster is its machine CA *and* its name and control-plane endpoint: two
 * clusters made from one secrets bundle share the CA, and their control
 * planes must still never pool into one acceptor set.
 */
export interface ClusterIdentity {
  /** SHA-256 fingerprint of the machine CA. */
  readonly ca: string;
  /** cluster.clusterName of the machine config. */
  readonly name: string;
  /** cluster.controlPlane.endpoint of the machine config. */
  readonly endpoint: string;
}

/** The consent settings every agent of one cluster must share (as Consul's bootstrap_expect). */
export interface Settings {
  /** TALOS_AUTO_BOOTSTRAP_QUORUM_NODES. */
  readonly quorum: number;
  /** TALOS_AUTO_BOOTSTRAP_CONTROL_PLANES, or null when not stated. */
  readonly controlPlanes: number | null;
}

/**
 * The Paxos state of one register as another node last read it: the highest
 * promise, acceptance and request seen, and the machine it was bound to.
 * Each field only ever grows in the real register, so the field-wise highest
 * of several reads is a state the register really passed through or exceeded.
 */
export interface Witness {
  readonly machine: string;
  readonly promised: BallotNumber | null;
  readonly accepted: Accepted | null;
  readonly proposal: Proposal | null;
}

/**
 * The one durable record of an agent, published at
 * /var/lib/autobootstrap/ballot.json and read by peers with MachineService/Read.
 * Only its owner writes it (single-writer register).
 */
export interface Ballot {
  readonly version: 2;
  /** Random id made once per machine binding; survives restarts and reboots. */
  readonly id: string;
  /** Opaque binding to this machine (node id, SMBIOS UUID…), supplied by the shell. */
  readonly machine: string;
  readonly cluster: ClusterIdentity;
  readonly settings: Settings;
  /** Acceptor: highest ballot number promised. */
  readonly promised: BallotNumber | null;
  /** Acceptor: the last proposal accepted. */
  readonly accepted: Accepted | null;
  /** Proposer: this node's own request, read by the acceptors. */
  readonly proposal: Proposal | null;
  /** Set once this node saw its cluster bootstrapped: every later run exits at once. */
  readonly bootstrapped: boolean;
  /**
   * What this node has read of every other register of its cluster, directly
   * or through another register (by ballot id): lets a register that went
   * back in time find what it had said, and bounds the acceptors ever seen.
   */
  readonly peers: Readonly<Record<string, Witness>>;
}

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

/** What a ballot file looked like this pass. */
export type BallotRead =
  | { kind: "ok"; ballot: Ballot }
  /** No ballot yet: its agent has not started (NotFound). Not an acceptor yet. */
  | { kind: "missing" }
  | { kind: "unreadable"; reason: string };

/** One control plane of our CA as seen this pass (TLS-verified against our CA). */
export interface PeerView {
  readonly address: string;
  readonly bootTime: bigint;
  readonly etcd: EtcdEvidence;
  readonly etcdData: EtcdData;
  readonly ballot: BallotRead;
  /**
   * SHA-256 (hex) of the public key of the apid certificate this peer's reads
   * were made over, or null if unknown. One host counts once: two ballot ids
   * behind one key, or one id behind two keys in one pass, are refused.
   */
  readonly serverKey: string | null;
}

/** This node as seen through its own apid. */
export interface SelfView {
  /** The address the shell calls our own apid on (and would call Bootstrap on). */
  readonly address: string;
  /** Every address of this machine now: a read of our id elsewhere is a clone. */
  readonly addresses: readonly string[];
  readonly bootTime: bigint;
  readonly etcd: EtcdEvidence;
  readonly etcdData: EtcdData;
  /** Our ballot read back through the apid at `address`: proves the node there is us. */
  readonly ballot: BallotRead;
  /** Public-key fingerprint of the certificate our own apid served this pass. */
  readonly serverKey: string | null;
}

/** Everything one pass observed; the only input of the core besides time and randomness. */
export interface View {
  /** Milliseconds on the shell's clock (monotonic in production). */
  readonly now: number;
  readonly self: SelfView;
  readonly peers: readonly PeerView[];
}
