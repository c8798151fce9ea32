// readXfsFile: one file out of an XFS v5 image, by path, without mounting.
// Pure over bytes: the caller supplies positional reads, so the same code
// reads a block device, a LUKS mapper or a test image.
import { XfsError } from "./errors.js";
import { readData } from "./file-data.js";
import { type Inode, S_IFMT, S_IFREG, readInode } from "./inode.js";
import { lookup } from "./directory.js";
import { type ReadAt, openVolume } from "./volume.js";

export interface ReadXfsFileOptions {
  readonly signal?: AbortSignal;
  /** Largest file returned; default 1 MiB (a Talos config.yaml is tens of KiB). */
  readonly maxBytes?: number;
}

export const DEFAULT_MAX_FILE_BYTES = 1 << 20;
const MAX_DEPTH = 16;
const MAX_NAME = 255;

/** readXfsFile returns the contents of the regular file at `path` (absolute, no symlinks). */
export async function readXfsFile(readAt: ReadAt, path: string, opts: ReadXfsFileOptions = {}): Promise<Buffer> {
  const parts = path.split("/").filter((p) => p !== "");
  if (!path.startsWith("/") || parts.length === 0 || parts.length > MAX_DEPTH) {
    throw new XfsError("not-found", `not an absolute file path: ${path}`);
  }
  for (const p of parts) {
    if (p === "." || p === ".." || Buffer.byteLength(p) > MAX_NAME) throw new XfsError("not-found", `bad path component in ${path}`);
  }
  const vol = await openVolume(readAt, opts.signal);
  let inode: Inode = await readInode(vol, vol.sb.rootIno);
  for (const [i, p] of parts.entries()) {
    const ino = await lookup(vol, inode, Buffer.from(p, "utf8"));
    if (ino === null) throw new XfsError("not-found", `${"/" + parts.slice(0, i + 1).join("/")} does not exist`);
    inode = await readInode(vol, ino);
  }
  if ((inode.mode & S_IFMT) !== S_IFREG) {
    throw new XfsError("unsupported", `${path} is not a regular file (mode 0o${inode.mode.toString(8)})`);
  }
  return readData(vol, inode, opts.maxBytes ?? DEFAULT_MAX_FILE_BYTES);
}
