// The etcd "world" of a fake cluster, shared by fake nodes that may run in
// different processes or network namespaces: a plain directory.
//   etcd-clusters/<address>  one file per etcd cluster ever bootstrapped, named
//                            after the node that bootstrapped it. Two files =
//                            split brain.
//   etcd-members/<address>   a node's /var/lib/etcd is not empty; the content
//                            names the cluster it belongs to.
// Synchronous on purpose: the files are tiny and local, and a Bootstrap's
// check-then-write must not interleave with another call in the same process.
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { compareAddresses } from "../../src/core/address.js";

const CLUSTERS = "etcd-clusters";
const MEMBERS = "etcd-members";

export interface World {
  /** Addresses of the nodes that bootstrapped an etcd cluster, in address order. Exactly one is healthy. */
  readonly clusters: readonly string[];
  /** Node address → the cluster (bootstrapper address) whose member it is. */
  readonly members: Readonly<Record<string, string>>;
}

export function readWorld(worldDir: string): World {
  const clusters = list(join(worldDir, CLUSTERS)).sort(compareAddresses);
  const members: Record<string, string> = {};
  for (const address of list(join(worldDir, MEMBERS))) {
    const cluster = readMember(worldDir, address);
    if (cluster !== null) members[address] = cluster;
  }
  return { clusters, members };
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

function list(dir: string): string[] {
  try {
    // Skip the temp files of a write in progress in another process.
    return readdirSync(dir).filter((name) => !name.startsWith("."));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

/** Write-then-rename, so another process never reads half a file. */
function writeAtomic(dir: string, name: string, content: string): void {
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${name}.${randomBytes(6).toString("hex")}.tmp`);
  writeFileSync(tmp, content, { mode: 0o644 });
  renameSync(tmp, join(dir, name));
}
