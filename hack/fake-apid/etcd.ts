// The etcd service of one fake control plane, as ServiceList would show it
// (TALOS.md §5): Waiting until time sync; then Preparing in join mode (empty
// data dir, retrying member-add) until Bootstrap is called or another node's
// cluster has a member with data whose etcd runs; Running once its own data
// dir is written. A node that starts with data (a reboot) shows Waiting, then
// Preparing, for etcdDownMs before Running: its data kept, etcd down.
// Bootstrap with recover_etcd runs the pre-stage restore of the uploaded
// snapshot instead (docs/talos-facts.md §2): Failed when it is missing or bad.
// Level-triggered: refresh() re-reads the world and recomputes, so several
// processes sharing a world dir need no coordination.
import { createHash } from "node:crypto";
import { restoreSnapshot } from "./snapshot.js";
import {
  clearEtcdUp,
  etcdUp,
  markEtcdUp,
  readDebris,
  readMember,
  readSnapshot,
  readWorld,
  recordCluster,
  recordDebris,
  recordMember,
  recordRestore,
  removeSnapshot,
} from "./world.js";
import { isControlPlaneType, type ResolvedSpec } from "./spec.js";

export type EtcdService =
  | { readonly state: "Waiting"; readonly message: string }
  | { readonly state: "Preparing"; readonly mode: "join" | "bootstrap" | "restart"; readonly message: string }
  | { readonly state: "Running"; readonly cluster: string; readonly initialClusterState: "new" | "existing"; readonly memberId: string }
  /** The pre-stage failed (a recovery without a usable snapshot); Talos does not retry it. */
  | { readonly state: "Failed"; readonly message: string };

/** Bootstrap's recover flags (BootstrapRequest fields 1 and 2). */
export interface RecoverRequest {
  readonly skipHashCheck: boolean;
}

export interface ServiceEventRecord {
  readonly state: string;
  readonly msg: string;
  readonly at: number;
}

export interface EtcdModel {
  /** Current state; null on workers (no etcd service at all). */
  refresh(now: number): EtcdService | null;
  /** True once this node's /var/lib/etcd has entries (bootstrapped, joined, or a failed restore's files). */
  hasData(): boolean;
  /** Bootstrap passed every check: remember the intent (memory only); found a cluster now, or after a restore. */
  bootstrap(now: number, caller: string, recover?: RecoverRequest): void;
  /** State transitions, oldest first, for ServiceList events. */
  events(): readonly ServiceEventRecord[];
}

const JOIN_MESSAGE = "etcd is waiting to join the cluster, if this node is the first node in the cluster, please run `talosctl bootstrap`";

/** What a rebooted node's etcd shows while it is down: the services it waits for, then its pre-stage. */
const REBOOT_WAITING = 'Waiting for service "cri" to be "up", time sync';
const REBOOT_PREPARING = "Running pre state";

/** `startedAt`: when this node's apid started (a reboot, for a node that keeps its data). */
export function createEtcd(spec: ResolvedSpec, startedAt: number): EtcdModel {
  // Intent lives in memory only, like machined's: a restarted fake forgets a
  // Bootstrap whose etcd never wrote its data dir.
  let bootstrapAt: number | null = null;
  let recovering: { readonly request: RecoverRequest; readonly caller: string } | null = null;
  let failed: string | null = null;
  let clusterSeenAt: number | null = null;
  const history: ServiceEventRecord[] = [];
  let up = false;
  if (isControlPlaneType(spec.machineType)) clearEtcdUp(spec.worldDir, spec.address);

  const compute = (now: number): EtcdService | null => {
    if (!isControlPlaneType(spec.machineType)) return null;
    const member = readMember(spec.worldDir, spec.address);
    if (member !== null && now - startedAt < spec.etcdDownMs) {
      const waiting = now - startedAt < spec.etcdDownMs / 2;
      return waiting ? { state: "Waiting", message: REBOOT_WAITING } : { state: "Preparing", mode: "restart", message: REBOOT_PREPARING };
    }
    if (member !== null) return running(spec.address, member);
    if (failed !== null) return { state: "Failed", message: failed };
    const debris = readDebris(spec.worldDir, spec.address);
    if (debris !== null) return { state: "Failed", message: `Failed to run pre stage: ${debris}` };
    if (!spec.timeSynced) return { state: "Waiting", message: "Waiting for time sync" };
    if (bootstrapAt === null && spec.machineType === "init") bootstrap(now, "type: init");
    if (bootstrapAt !== null) {
      if (now - bootstrapAt < spec.etcdStartDelayMs) return { state: "Preparing", mode: "bootstrap", message: "Running pre state" };
      if (recovering !== null) return restore(now, recovering);
      recordMember(spec.worldDir, spec.address, spec.address);
      return running(spec.address, spec.address);
    }
    // member-add needs a running etcd: a cluster counts once one member with data runs.
    const world = readWorld(spec.worldDir);
    const upNow = etcdUp(spec.worldDir);
    const cluster = world.clusters.find((c) => Object.entries(world.members).some(([a, m]) => m === c && upNow.has(a)));
    if (cluster === undefined) return { state: "Preparing", mode: "join", message: JOIN_MESSAGE };
    clusterSeenAt ??= now;
    if (now - clusterSeenAt < spec.etcdStartDelayMs) return { state: "Preparing", mode: "join", message: JOIN_MESSAGE };
    recordMember(spec.worldDir, spec.address, cluster);
    return running(spec.address, cluster);
  };

  const bootstrap = (now: number, caller: string, recover?: RecoverRequest): void => {
    bootstrapAt = now;
    failed = null;
    recovering = recover === undefined ? null : { request: recover, caller };
    // A recovery founds its cluster only if the restore works (restore()).
    if (recover === undefined) recordCluster(spec.worldDir, spec.address, { at: new Date(now).toISOString(), caller });
    history.push({ state: "Finished", msg: "Bootstrap requested", at: now });
  };

  // The pre-stage of etcd started with RecoverFromSnapshot: verify, restore,
  // delete the snapshot; any failure leaves etcd Failed until the next Bootstrap.
  const restore = (now: number, r: { readonly request: RecoverRequest; readonly caller: string }): EtcdService => {
    bootstrapAt = null;
    recovering = null;
    const file = readSnapshot(spec.worldDir, spec.address);
    const result = file === null
      ? { ok: false as const, message: "error verifying snapshot: stat /var/lib/etcd.snapshot: no such file or directory", leftData: false }
      : restoreSnapshot(file, r.request.skipHashCheck);
    if (!result.ok) {
      if (result.leftData) recordDebris(spec.worldDir, spec.address, result.message);
      failed = `Failed to run pre stage: ${result.message}`;
      return { state: "Failed", message: failed };
    }
    const at = new Date(now).toISOString();
    recordRestore(spec.worldDir, { node: spec.address, at, snapshotSha256: sha256(file as Buffer), skipHashCheck: r.request.skipHashCheck }, result.data);
    removeSnapshot(spec.worldDir, spec.address);
    recordCluster(spec.worldDir, spec.address, { at, caller: r.caller });
    recordMember(spec.worldDir, spec.address, spec.address);
    return running(spec.address, spec.address);
  };

  return {
    refresh(now) {
      const service = compute(now);
      if (service?.state === "Running" && !up) {
        up = true;
        markEtcdUp(spec.worldDir, spec.address);
      }
      const last = history.at(-1);
      if (service !== null && (last === undefined || last.state !== service.state)) {
        history.push({ state: service.state, msg: service.state === "Running" ? "Health check successful" : service.message, at: now });
      }
      return service;
    },
    hasData: () => readMember(spec.worldDir, spec.address) !== null || readDebris(spec.worldDir, spec.address) !== null,
    bootstrap,
    events: () => history,
  };
}

function running(address: string, cluster: string): EtcdService {
  return { state: "Running", cluster, initialClusterState: cluster === address ? "new" : "existing", memberId: memberIdOf(address, cluster) };
}

/** A stable 64-bit member id, 16 hex digits (etcd ids are random; stable is easier to assert). */
export function memberIdOf(address: string, cluster: string): string {
  return createHash("sha256").update(`${cluster}/${address}`).digest("hex").slice(0, 16);
}

const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
