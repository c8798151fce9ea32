// The etcd service of one fake control plane, as ServiceList would show it
// (TALOS.md §5): Waiting until time sync; then Preparing in join mode (empty
// data dir, retrying member-add) until Bootstrap is called or another node's
// cluster has a member with data in the world dir; Running once its own data dir is written.
// Level-triggered: refresh() re-reads the world and recomputes, so several
// processes sharing a world dir need no coordination.
import { createHash } from "node:crypto";
import { readMember, readWorld, recordCluster, recordMember } from "./world.js";
import { isControlPlaneType, type ResolvedSpec } from "./spec.js";

export type EtcdService =
  | { readonly state: "Waiting"; readonly message: string }
  | { readonly state: "Preparing"; readonly mode: "join" | "bootstrap"; readonly message: string }
  | { readonly state: "Running"; readonly cluster: string; readonly initialClusterState: "new" | "existing"; readonly memberId: string };

export interface ServiceEventRecord {
  readonly state: string;
  readonly msg: string;
  readonly at: number;
}

export interface EtcdModel {
  /** Current state; null on workers (no etcd service at all). */
  refresh(now: number): EtcdService | null;
  /** True once this node's /var/lib/etcd has entries (bootstrapped or joined). */
  hasData(): boolean;
  /** Bootstrap passed every check: remember the intent (memory only) and found a cluster. */
  bootstrap(now: number, caller: string): void;
  /** State transitions, oldest first, for ServiceList events. */
  events(): readonly ServiceEventRecord[];
}

const JOIN_MESSAGE = "etcd is waiting to join the cluster, if this node is the first node in the cluster, please run `talosctl bootstrap`";

export function createEtcd(spec: ResolvedSpec): EtcdModel {
  // Intent lives in memory only, like machined's: a restarted fake forgets a
  // Bootstrap whose etcd never wrote its data dir.
  let bootstrapAt: number | null = null;
  let clusterSeenAt: number | null = null;
  const history: ServiceEventRecord[] = [];

  const compute = (now: number): EtcdService | null => {
    if (!isControlPlaneType(spec.machineType)) return null;
    const member = readMember(spec.worldDir, spec.address);
    if (member !== null) return running(spec.address, member);
    if (!spec.timeSynced) return { state: "Waiting", message: "Waiting for time sync" };
    if (bootstrapAt === null && spec.machineType === "init") bootstrap(now, "type: init");
    if (bootstrapAt !== null) {
      if (now - bootstrapAt < spec.etcdStartDelayMs) return { state: "Preparing", mode: "bootstrap", message: "Running pre state" };
      recordMember(spec.worldDir, spec.address, spec.address);
      return running(spec.address, spec.address);
    }
    // member-add needs a running etcd: a cluster counts once one member has data.
    const world = readWorld(spec.worldDir);
    const cluster = world.clusters.find((c) => Object.values(world.members).includes(c));
    if (cluster === undefined) return { state: "Preparing", mode: "join", message: JOIN_MESSAGE };
    clusterSeenAt ??= now;
    if (now - clusterSeenAt < spec.etcdStartDelayMs) return { state: "Preparing", mode: "join", message: JOIN_MESSAGE };
    recordMember(spec.worldDir, spec.address, cluster);
    return running(spec.address, cluster);
  };

  const bootstrap = (now: number, caller: string): void => {
    bootstrapAt = now;
    recordCluster(spec.worldDir, spec.address, { at: new Date(now).toISOString(), caller });
    history.push({ state: "Finished", msg: "Bootstrap requested", at: now });
  };

  return {
    refresh(now) {
      const service = compute(now);
      const last = history.at(-1);
      if (service !== null && (last === undefined || last.state !== service.state)) {
        history.push({ state: service.state, msg: service.state === "Running" ? "Health check successful" : service.message, at: now });
      }
      return service;
    },
    hasData: () => readMember(spec.worldDir, spec.address) !== null,
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
