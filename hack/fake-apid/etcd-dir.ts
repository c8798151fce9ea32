// MachineService/List over the one tree the fake models: the etcd data
// directory of a control plane, /var/lib/etcd (a directory under EPHEMERAL,
// or its own volume: talos controllers/block/internal/volumes/volumeconfig/
// system_volumes.go). Talos walks the root with Go's filepath.Walk (talos:
// internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go `List`,
// pkg/archiver/walker.go): the root first, then its entries in lexical
// order; without `recurse` the root's entries are listed but not entered; a
// root that does not exist is a plain Go error, "lstat <root>: no such file
// or directory" (gRPC Unknown), as on a worker.
import type { EtcdModel } from "./etcd.js";
import { isControlPlaneType, type ResolvedSpec } from "./spec.js";
import { Code, StatusError } from "./status.js";

export const ETCD_DATA_PATH = "/var/lib/etcd";

/** Go's os.ModeDir, as FileInfo.mode carries it. */
const MODE_DIR = 0x80000000;

interface Entry {
  readonly path: string;
  readonly dir: boolean;
  readonly perm: number;
  readonly size: number;
}

/** What etcd leaves in its data dir (a failed restore leaves the db alone). */
function tree(spec: ResolvedSpec, etcd: EtcdModel): Entry[] {
  if (!isControlPlaneType(spec.machineType)) return [];
  const dir = (path: string): Entry => ({ path, dir: true, perm: 0o700, size: 4096 });
  const file = (path: string, size: number): Entry => ({ path, dir: false, perm: 0o600, size });
  const out = [dir(ETCD_DATA_PATH)];
  if (etcd.hasData()) {
    const m = `${ETCD_DATA_PATH}/member`;
    out.push(dir(m), dir(`${m}/snap`), file(`${m}/snap/db`, 20480), dir(`${m}/wal`), file(`${m}/wal/0000000000000000-0000000000000000.wal`, 64000000));
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

const TYPES: Readonly<Record<string, (e: Entry) => boolean>> = { REGULAR: (e) => !e.dir, DIRECTORY: (e) => e.dir, SYMLINK: () => false };

export interface ListRequest {
  readonly root?: string;
  readonly recurse?: boolean;
  readonly recursion_depth?: number;
  readonly types?: readonly string[];
}

/** listFiles answers one List call with FileInfo messages, or throws the error Talos would. */
export function listFiles(spec: ResolvedSpec, etcd: EtcdModel, req: ListRequest, now: number): object[] {
  let root = (req.root ?? "").startsWith("/") ? (req.root ?? "") : `/${req.root ?? ""}`;
  root = root.replace(/\/+$/, "") || "/";
  if (root !== ETCD_DATA_PATH && !root.startsWith(`${ETCD_DATA_PATH}/`)) {
    throw new StatusError(Code.UNIMPLEMENTED, `the fake apid lists only ${ETCD_DATA_PATH}, not ${root}`);
  }
  const entries = tree(spec, etcd);
  const top = entries.find((e) => e.path === root);
  if (top === undefined) throw new StatusError(Code.UNKNOWN, `lstat ${root}: no such file or directory`);
  // recurse false: depth 0, where Talos still enters the root; recurse with depth 0 (or below): no limit.
  const asked = req.recursion_depth ?? 0;
  const maxDepth = req.recurse === true ? (asked <= 0 ? Infinity : asked) : 0;
  const wanted = (req.types ?? []).map((t) => TYPES[t] ?? (() => false));
  const depth = (e: Entry) => (e.path === root ? 0 : e.path.slice(root.length + 1).split("/").length);
  // The root is always entered; a directory at depth d below it only while d < maxDepth.
  return entries
    .filter((e) => e.path === root || (top.dir && e.path.startsWith(`${root}/`) && (depth(e) === 1 || depth(e) <= maxDepth)))
    .filter((e) => wanted.length === 0 || wanted.some((w) => w(e)))
    .map((e) => ({
      name: e.path,
      relative_name: e.path === root ? (top.dir ? "." : root.slice(root.lastIndexOf("/") + 1)) : e.path.slice(root.length + 1),
      size: String(e.size),
      mode: (e.dir ? MODE_DIR : 0) + e.perm,
      modified: String(Math.floor(now / 1000)),
      is_dir: e.dir,
      error: "",
    }));
}
