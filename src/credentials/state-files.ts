// File access for state.ts: opening what may be absent, positional reads of
// devices, and the mounted config.yaml of Talos <= 1.9, read with a hard cap.
import { type Stats, constants } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";
import { CredentialsError } from "./errors.js";
import { DEFAULT_MAX_FILE_BYTES } from "./xfs/read-file.js";

/** MAX_CONFIG_BYTES: a Talos config.yaml is tens of KiB; the raw XFS read has the same limit. */
export const MAX_CONFIG_BYTES = DEFAULT_MAX_FILE_BYTES;

/** Absent paths: the candidate simply is not there on this Talos version. */
const ABSENT = new Set(["ENOENT", "ENOTDIR", "ENXIO", "ENODEV"]);
const absent = (err: unknown): boolean => ABSENT.has((err as NodeJS.ErrnoException).code ?? "");
const unreadable = (what: string, path: string, err: unknown): CredentialsError =>
  new CredentialsError("state-unreadable", `cannot ${what} ${path}: ${(err as Error).message}`, { cause: err });

/** openIfPresent opens `path`, or returns null when it does not exist. */
export async function openIfPresent(path: string, flags: number = constants.O_RDONLY): Promise<FileHandle | null> {
  try {
    return await open(path, flags);
  } catch (err) {
    if (absent(err)) return null;
    throw unreadable("open", path, err);
  }
}

/** readFully: positional reads until `length` bytes or the end of the device. */
export async function readFully(fh: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let n = 0;
  while (n < length) {
    const { bytesRead } = await fh.read(buf, n, length - n, offset + n);
    if (bytesRead === 0) break;
    n += bytesRead;
  }
  return buf.subarray(0, n);
}

/**
 * readMounted reads config.yaml from the STATE mount, or null if it is absent.
 * It refuses anything but a regular file before opening it (opening a device
 * can have effects of its own) and again after (it may have been swapped),
 * and reads at most MAX_CONFIG_BYTES + 1 bytes whatever stat() says: /proc
 * files report size 0, and a character device there once read 4.7 GB.
 */
export async function readMounted(path: string, signal: AbortSignal): Promise<Buffer | null> {
  const before = await stat(path).catch((err: unknown) => {
    if (absent(err)) return null;
    throw unreadable("stat", path, err);
  });
  if (before === null) return null;
  refuseNonRegular(path, before);
  const fh = await openIfPresent(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  if (fh === null) return null;
  try {
    refuseNonRegular(path, await fh.stat());
    signal.throwIfAborted();
    const bytes = await readFully(fh, 0, MAX_CONFIG_BYTES + 1).catch((err: unknown) => {
      throw unreadable("read", path, err);
    });
    if (bytes.length > MAX_CONFIG_BYTES) {
      bytes.fill(0);
      throw new CredentialsError("config-invalid", `${path} is larger than ${MAX_CONFIG_BYTES} bytes`);
    }
    return bytes;
  } finally {
    await fh.close();
  }
}

function refuseNonRegular(path: string, st: Stats): void {
  if (!st.isFile()) throw new CredentialsError("state-unreadable", `${path} is not a regular file (${fileType(st)})`);
}

function fileType(st: Stats): string {
  if (st.isCharacterDevice()) return "character device";
  if (st.isBlockDevice()) return "block device";
  if (st.isFIFO()) return "FIFO";
  if (st.isSocket()) return "socket";
  return st.isDirectory() ? "directory" : "unknown type";
}
