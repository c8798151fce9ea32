// The etcd "world" of a fake cluster, shared by fake nodes that may run in
// different processes or network namespaces: a plain directory.
//   etcd-clusters/<address>  one file per etcd cluster ever bootstrapped, named
//                            after the node that bootstrapped it. Two files =
//                            split brain.
//   etcd-members/<address>   a node's /var/lib/etcd is not empty; the content
//                            names the cluster it belongs to.
//   etcd-snapshots/<address> a node's /var/lib/etcd.snapshot: uploaded with
//                            EtcdRecover, removed once restored.
//   etcd-restores/<address>.<time>.<random>.json
//                            one per snapshot restored, with its data: "restored
//                            once, on the nominee" is one file.
//   etcd-debris/<address>    /var/lib/etcd left non-empty by a failed restore
//                            (etcd copies the db before checking its hash).
//   etcd-up/<address>        the node's etcd has run since its apid last
//                            started: a joining node can member-add through it.
//   discovery/<node id>.json what the discovery service holds for a node.
// Synchronous on purpose: the files are tiny and local, and a Bootstrap's
// check-then-write must not interleave with another call in the same process.
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { compareAddresses } from "../../src/core/address.js";

const CLUSTERS = "etcd-clusters";
const MEMBERS = "etcd-members";
const SNAPSHOTS = "etcd-snapshots";
const RESTORES = "etcd-restores";
const DEBRIS = "etcd-debris";
const UP = "etcd-up";
/** Restores keep their data inline up to this size; above it only the hash. */
const MAX_INLINE_RESTORE_BYTES = 1024 * 1024;

/** A snapshot one node restored: what a recovery test checks. */
export interface RestoreRecord {
  /** The node that restored it. */
  readonly node: string;
  readonly at: string;
  /** SHA-256 of the uploaded file, lower-case hex. */
  readonly snapshotSha256: string;
  /** SHA-256 of the data the snapshot held, and the data itself (base64) when small. */
  readonly dataSha256: string;
  readonly dataBase64?: string;
  readonly skipHashCheck: boolean;
}

export interface World {
  /** Addresses of the nodes that bootstrapped an etcd cluster, in address order. Exactly one is healthy. */
  readonly clusters: readonly string[];
  /** Node address → the cluster (bootstrapper address) whose member it is. */
  readonly members: Readonly<Record<string, string>>;
  /** Every snapshot restored in this world, oldest first. */
  readonly restores: readonly RestoreRecord[];
}

export function readWorld(worldDir: string): World {
  const clusters = list(join(worldDir, CLUSTERS)).sort(compareAddresses);
  const members: Record<string, string> = {};
  for (const address of list(join(worldDir, MEMBERS))) {
    const cluster = readMember(worldDir, address);
    if (cluster !== null) members[address] = cluster;
  }
  const restores = list(join(worldDir, RESTORES))
    .map((name) => JSON.parse(readFileSync(join(worldDir, RESTORES, name), "utf8")) as RestoreRecord)
    .sort((a, b) => a.at.localeCompare(b.at));
  return { clusters, members, restores };
}

/** Records that `address` bootstrapped a new etcd cluster (initial-cluster-state=new). */
export function recordCluster(worldDir: string, address: string, record: { readonly at: string; readonly caller: string }): void {
  writeAtomic(join(worldDir, CLUSTERS), address, JSON.stringify({ bootstrappedBy: address, ...record }) + "\n");
}

/** Records that `address`'s etcd data directory now belongs to `cluster`. */
export function recordMember(worldDir: string, address: string, cluster: string): void {
  writeAtomic(join(worldDir, MEMBERS), address, cluster + "\n");
}

/** The cluster `address` is a member of, or null while its data directory is empty. */
export function readMember(worldDir: string, address: string): string | null {
  try {
    return readFileSync(join(worldDir, MEMBERS, address), "utf8").trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/** EtcdRecover finished: the node's /var/lib/etcd.snapshot now holds `bytes`. */
export function writeSnapshot(worldDir: string, address: string, bytes: Buffer): void {
  writeAtomic(join(worldDir, SNAPSHOTS), address, bytes);
}

/** The node's /var/lib/etcd.snapshot, or null when there is none. */
export function readSnapshot(worldDir: string, address: string): Buffer | null {
  return readOrNull(join(worldDir, SNAPSHOTS, address));
}

/** Talos removes the snapshot after restoring it, and after a failed upload. */
export function removeSnapshot(worldDir: string, address: string): void {
  rmSync(join(worldDir, SNAPSHOTS, address), { force: true });
}

export function recordRestore(worldDir: string, record: Omit<RestoreRecord, "dataSha256" | "dataBase64">, data: Buffer): void {
  const full: RestoreRecord = {
    ...record,
    dataSha256: createHash("sha256").update(data).digest("hex"),
    ...(data.length <= MAX_INLINE_RESTORE_BYTES ? { dataBase64: data.toString("base64") } : {}),
  };
  const name = `${record.node}.${Date.now()}.${randomBytes(4).toString("hex")}.json`;
  writeAtomic(join(worldDir, RESTORES), name, JSON.stringify(full) + "\n");
}

/** A failed restore left files in /var/lib/etcd: the next Bootstrap answers AlreadyExists. */
export function recordDebris(worldDir: string, address: string, why: string): void {
  writeAtomic(join(worldDir, DEBRIS), address, why + "\n");
}

/** Why the node's data dir holds a failed restore's files, or null. */
export function readDebris(worldDir: string, address: string): string | null {
  return readOrNull(join(worldDir, DEBRIS, address))?.toString("utf8").trim() ?? null;
}

/** The node's etcd runs (written once per start of its fake). */
export function markEtcdUp(worldDir: string, address: string): void {
  writeAtomic(join(worldDir, UP), address, new Date().toISOString() + "\n");
}

/** The node (re)started: its etcd does not run until it says so again. */
export function clearEtcdUp(worldDir: string, address: string): void {
  rmSync(join(worldDir, UP, address), { force: true });
}

/** Nodes whose etcd has run since their last start. */
export function etcdUp(worldDir: string): ReadonlySet<string> {
  return new Set(list(join(worldDir, UP)));
}

function readOrNull(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/** The names in a world subdirectory, skipping writes in progress. */
export function list(dir: string): string[] {
  try {
    // Skip the temp files of a write in progress in another process.
    return readdirSync(dir).filter((name) => !name.startsWith("."));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

/** Write-then-rename, so another process never reads half a file. */
export function writeAtomic(dir: string, name: string, content: string | Buffer): void {
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${name}.${randomBytes(6).toString("hex")}.tmp`);
  writeFileSync(tmp, content, { mode: 0o644 });
  renameSync(tmp, join(dir, name));
}
