// MachineService/List: a directory listing as a server stream, the root
// first, then its entries (talos: internal/app/machined/internal/server/
// v1alpha1/v1alpha1_server.go `List`, pkg/archiver/walker.go). Bounded by a
// count, so whatever answers at a node's address cannot make us buffer
// without end. Reader is enough (TALOS.md §2).
import type { MethodDefinition } from "@grpc/proto-loader";
import { serverStream, type CallOptions, type Channel } from "./channel.js";
import { MachineService } from "./protos.js";

export interface FileEntry {
  /** The full path, as Talos names it. */
  readonly name: string;
  /** Relative to the root: "." for the root directory itself. */
  readonly relativeName: string;
  readonly isDir: boolean;
  /** What Talos could not read of this entry (FileInfo.error), or "". */
  readonly error: string;
}

export interface ListDirOptions {
  /** Walk below the root's entries; default false (the root and its entries only). */
  readonly recurse?: boolean;
  /** Most entries accepted, the root included; more is refused as "malformed". */
  readonly maxEntries: number;
}

interface RawFileInfo {
  readonly metadata?: { readonly error?: string } | null;
  readonly name?: unknown;
  readonly relative_name?: unknown;
  readonly is_dir?: unknown;
  readonly error?: unknown;
}

const LIST = MachineService["List"] as MethodDefinition<object, RawFileInfo>;

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** listDir lists one directory of the node; a missing root is Talos's plain error (TalosError "unknown"). */
export async function listDir(channel: Channel, root: string, opts: CallOptions & ListDirOptions): Promise<FileEntry[]> {
  const out: FileEntry[] = [];
  await serverStream(channel, LIST, { root, recurse: opts.recurse === true }, {
    ...opts,
    accept: (item) => {
      const proxied = item?.metadata?.error;
      if (typeof proxied === "string" && proxied !== "") return `List ${root}: ${proxied}`;
      if (out.length >= opts.maxEntries) return `List ${root}: more than ${opts.maxEntries} entries`;
      out.push({ name: str(item?.name), relativeName: str(item?.relative_name), isDir: item?.is_dir === true, error: str(item?.error) });
      return undefined;
    },
  });
  return out;
}
