// The shell's view of Talos: the eight things the agent asks of a node, and
// close. run.ts depends on this seam only, so the loop is driven by the real
// client (talos-port.ts) in production and by a scripted fake in
// test/unit/agent/.
import type { BootstrapAnswer } from "../core/bootstrap-answer.js";
import type { EtcdData, EtcdEvidence, ProbeResult } from "../core/types.js";
import type { UploadResult } from "../recovery/recover.js";
import type { AffiliatesRead } from "./handlers/affiliates.js";
import type { KeyedBallot } from "./handlers/ballot.js";
import type { NodeIdRead } from "./handlers/node-id.js";

export interface TalosPort {
  /** Reader certificate: machine type and boot time of one address. */
  probe(address: string, signal: AbortSignal): Promise<ProbeResult>;
  /** Reader certificate: is etcd running there? Never throws. */
  etcd(address: string, signal: AbortSignal): Promise<EtcdEvidence>;
  /** Reader certificate: is that node's etcd data directory empty (MachineService/List)? Never throws. */
  etcdData(address: string, signal: AbortSignal): Promise<EtcdData>;
  /** Admin certificate (Read is admin-only): that node's ballot file, and the key of the host that served it. Never throws. */
  ballot(address: string, signal: AbortSignal): Promise<KeyedBallot>;
  /** Reader certificate, on our OWN apid: its node id and the Affiliates Talos lists. Never throws. */
  affiliates(address: string, signal: AbortSignal): Promise<AffiliatesRead>;
  /** Reader certificate: Talos's node id there (COSI Identities/local), for the machine binding. Never throws. */
  nodeId(address: string, signal: AbortSignal): Promise<NodeIdRead>;
  /** Admin certificate: Bootstrap on that node (with recover_etcd when `recover` is given). Never throws. */
  bootstrap(address: string, signal: AbortSignal, recover?: { readonly skipHashCheck: boolean }): Promise<BootstrapAnswer>;
  /** Admin certificate: EtcdRecover of these bytes (`bytes` in all) to that node. Never throws. */
  etcdRecover(address: string, chunks: AsyncIterable<Buffer>, bytes: number, signal: AbortSignal): Promise<UploadResult>;
  /** Drops every connection (at exit). */
  close(): void;
}
