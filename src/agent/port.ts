// The shell's view of Talos: the five things the agent asks of a node.
// run.ts depends on this seam only, so the loop can be driven by the real
// client (talos-port.ts) or by a test double.
import type { BallotRead, EtcdEvidence, ProbeResult } from "../core/types.js";

export type BootstrapAnswer =
  /** OK: etcd is being created on this node. */
  | { kind: "ok" }
  /** AlreadyExists: this node's etcd has data already. */
  | { kind: "already-exists" }
  /** Not now (FailedPrecondition, Unavailable, a timeout): call again later. */
  | { kind: "retry"; reason: string }
  /** Never (not a control plane, etcd-less, not authorized): stop. */
  | { kind: "refused"; reason: string };

export interface TalosPort {
  /** Reader certificate: machine type and boot time of one address. */
  probe(address: string, signal: AbortSignal): Promise<ProbeResult>;
  /** Reader certificate: is etcd running there? Never throws. */
  etcd(address: string, signal: AbortSignal): Promise<EtcdEvidence>;
  /** Admin certificate (Read is admin-only): that node's ballot file. Never throws. */
  ballot(address: string, signal: AbortSignal): Promise<BallotRead>;
  /** Admin certificate: Bootstrap on that node. Never throws. */
  bootstrap(address: string, signal: AbortSignal): Promise<BootstrapAnswer>;
  /** Renew certificates if due and drop connections. */
  close(): void;
}
