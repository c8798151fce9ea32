// MachineService/Read's file access, confined to the node's filesRoot: a
// request path /x/y is <filesRoot>/x/y, symlinks are resolved and anything
// that lands outside filesRoot is refused. Regular files only.
import { readFile, realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import { Code, StatusError } from "./status.js";

const MAX_FILE_BYTES = 16 * 1024 * 1024;

export async function readConfined(filesRoot: string | undefined, path: string, opts: { signal: AbortSignal }): Promise<Buffer> {
  const missing = (): StatusError => new StatusError(Code.NOT_FOUND, `stat ${path}: no such file or directory`);
  if (filesRoot === undefined) throw missing();
  const root = await realpath(filesRoot);
  let real: string;
  try {
    real = await realpath(join(root, path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR") throw missing();
    throw err;
  }
  if (real !== root && !real.startsWith(root + sep)) {
    throw new StatusError(Code.PERMISSION_DENIED, `${path} resolves outside the fake node's filesRoot`);
  }
  const info = await stat(real);
  // Talos returns a plain error here, which gRPC reports as Unknown.
  if (!info.isFile()) throw new StatusError(Code.UNKNOWN, "path must be a regular file");
  if (info.size > MAX_FILE_BYTES) throw new StatusError(Code.RESOURCE_EXHAUSTED, `${path} is larger than the fake serves`);
  return readFile(real, { signal: AbortSignal.any([opts.signal, AbortSignal.timeout(5_000)]) });
}
