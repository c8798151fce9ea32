// Whether a control plane's etcd data directory holds anything, from a
// MachineService/List of it (docs/consent.md, "Bootstrapped for good").
// Talos's own Bootstrap refuses (AlreadyExists) exactly when /var/lib/etcd
// has entries (talos: pkg/system/services/etcd.go `IsDirEmpty`), so
// "empty" here is "a Bootstrap there would found a new cluster", and data
// there means this cluster was bootstrapped, even with etcd down on every
// node after a full power cycle. Anything unclear is unknown, never empty.
import type { EtcdData } from "../../core/types.js";
import type { CallOptions, FileEntry, TalosClient } from "../../talos/client.js";
import { describe } from "./describe.js";

/** talos: pkg/machinery/constants/constants.go EtcdDataPath. */
export const ETCD_DATA_PATH = "/var/lib/etcd";

/** etcd keeps one entry there ("member"); a listing this long is refused (unknown), never read as empty. */
export const MAX_ETCD_DIR_ENTRIES = 64;

/** etcdDataOf reads a List of ETCD_DATA_PATH without recursion: the root ("."), then its entries. */
export function etcdDataOf(entries: readonly FileEntry[]): EtcdData {
  const root = entries.filter((e) => e.relativeName === ".");
  const inside = entries.filter((e) => e.relativeName !== ".");
  // An entry Talos could not stat still exists: the directory is not empty.
  if (inside.length > 0) return { kind: "present" };
  // Talos could not read the directory itself: its entries are not known.
  const failed = root.find((e) => e.error !== "");
  if (failed !== undefined) return { kind: "unknown", reason: `${ETCD_DATA_PATH}: ${failed.error}` };
  if (root.length === 0 || !root.every((e) => e.isDir)) return { kind: "unknown", reason: `${ETCD_DATA_PATH} is not listed as a directory` };
  return { kind: "empty" };
}

/** readEtcdData lists the node's ETCD_DATA_PATH (reader certificate); any failure is unknown. */
export async function readEtcdData(open: () => Promise<TalosClient>, opts: CallOptions): Promise<EtcdData> {
  try {
    return etcdDataOf(await (await open()).listDir(ETCD_DATA_PATH, { ...opts, maxEntries: MAX_ETCD_DIR_ENTRIES }));
  } catch (err) {
    return { kind: "unknown", reason: `List ${ETCD_DATA_PATH}: ${describe(err)}` };
  }
}
