// Test helper: real XFS images made with mkfs.xfs, shaped like Talos's STATE
// (v5, ftype=1, label STATE). Without `fragment` the files are put in by
// mkfs's proto file, which needs no root; with it they are written through
// the kernel (loop mount inside a private mount namespace), one block at a
// time with filler blocks in between, so each file gets several extents.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, open, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const TOOL_TIMEOUT_MS = 60_000;

export interface XfsImageFile {
  /** Path inside the filesystem, without a leading slash: "config.yaml", "sub/inner.yaml". */
  readonly name: string;
  readonly content: string | Uint8Array;
  /** Permission bits; default 0o600 (Talos writes config.yaml 0600). */
  readonly mode?: number;
  /**
   * Bytes of preallocated, never-written space appended after the content
   * (fallocate): the size grows and the tail must read as zeros. Needs `fragment`.
   */
  readonly unwrittenTail?: number;
}

export interface XfsImageOptions {
  readonly sizeBytes: number;
  /** Filesystem block size; default 4096 (Talos). */
  readonly blockSize?: number;
  /** Inode size; default 512 (Talos). */
  readonly inodeSize?: number;
  /** Allocation groups; default mkfs's choice (4 below 4 GiB). */
  readonly agCount?: number;
  /** More mkfs.xfs flags, e.g. Talos >= 1.10's ["-i", "nrext64=1", "-m", "rmapbt=1"]. */
  readonly mkfsArgs?: readonly string[];
  readonly files: readonly XfsImageFile[];
  /** Write through the kernel so that files larger than a block get several extents. Needs root. */
  readonly fragment?: boolean;
}

export interface XfsImage {
  /** The image file; attach it to a loop device or read it directly. */
  readonly path: string;
  /** Deletes the image and its temporary directory. */
  remove(): Promise<void>;
}

/** The mkfs flags Talos uses for STATE, and the label it sets. */
const TALOS_MKFS_FLAGS = ["-f", "-q", "--unsupported", "-n", "ftype=1", "-L", "STATE"];

/** Names go into a proto file and a shell script: keep them plain. */
const SAFE_NAME = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** makeXfsImage builds an image file holding `files`; call remove() when done. */
export async function makeXfsImage(opts: XfsImageOptions): Promise<XfsImage> {
  for (const f of opts.files) {
    if (!SAFE_NAME.test(f.name)) throw new Error(`unsupported file name for an image: ${JSON.stringify(f.name)}`);
    if (f.unwrittenTail !== undefined && opts.fragment !== true) throw new Error("unwrittenTail needs fragment: true");
  }
  const dir = await mkdtemp(join(tmpdir(), "xfs-image-"));
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    const path = join(dir, "state.img");
    const staged = await stageFiles(dir, opts.files);
    await writeFile(path, "");
    await truncate(path, opts.sizeBytes);
    const mkfs = [
      ...TALOS_MKFS_FLAGS,
      "-b",
      `size=${opts.blockSize ?? 4096}`,
      "-i",
      `size=${opts.inodeSize ?? 512}`,
      ...(opts.agCount !== undefined ? ["-d", `agcount=${opts.agCount}`] : []),
      ...(opts.mkfsArgs ?? []),
    ];
    if (opts.fragment === true) {
      await run("mkfs.xfs", [...mkfs, path], { timeout: TOOL_TIMEOUT_MS });
      await writeThroughKernel(dir, path, opts.files, staged, opts.blockSize ?? 4096);
    } else {
      const proto = join(dir, "proto");
      await writeFile(proto, protoFile(opts.files, staged));
      await run("mkfs.xfs", [...mkfs, "-p", proto, path], { timeout: TOOL_TIMEOUT_MS });
    }
    return { path, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}

/** stageFiles writes each file's content to the temp dir, for mkfs or cp to pick up. */
async function stageFiles(dir: string, files: readonly XfsImageFile[]): Promise<string[]> {
  await mkdir(join(dir, "src"));
  return Promise.all(
    files.map(async (f, i) => {
      const p = join(dir, "src", String(i));
      await writeFile(p, f.content);
      return p;
    }),
  );
}

interface ProtoDir {
  readonly dirs: Map<string, ProtoDir>;
  readonly files: { name: string; mode: number; source: string }[];
}

/** protoFile renders the mkfs.xfs proto file (see `man mkfs.xfs`, -p) for `files`. */
function protoFile(files: readonly XfsImageFile[], staged: readonly string[]): string {
  const root: ProtoDir = { dirs: new Map(), files: [] };
  files.forEach((f, i) => {
    const parts = f.name.split("/");
    const base = parts.pop() as string;
    let d = root;
    for (const p of parts) {
      let next = d.dirs.get(p);
      if (next === undefined) d.dirs.set(p, (next = { dirs: new Map(), files: [] }));
      d = next;
    }
    d.files.push({ name: base, mode: f.mode ?? 0o600, source: staged[i] as string });
  });
  const lines = ["talos-autobootstrap-test", "0 0", "d--755 0 0"];
  const walk = (d: ProtoDir): void => {
    for (const f of d.files) lines.push(`${f.name} ---${f.mode.toString(8).padStart(3, "0")} 0 0 ${f.source}`);
    for (const [name, sub] of d.dirs) {
      lines.push(`${name} d--755 0 0`);
      walk(sub);
      lines.push("$");
    }
  };
  walk(root);
  lines.push("$", "");
  return lines.join("\n");
}

/**
 * writeThroughKernel copies the files in with the kernel's XFS driver. Each
 * block is written and synced on its own, followed by a one-block filler file,
 * so the allocator cannot place the next block of the file next to the last;
 * allocsize=4k stops speculative preallocation from hiding that. The fillers
 * are deleted at the end, leaving holes in free space between the extents.
 */
async function writeThroughKernel(
  dir: string,
  image: string,
  files: readonly XfsImageFile[],
  staged: readonly string[],
  blockSize: number,
): Promise<void> {
  const mnt = join(dir, "mnt");
  await mkdir(mnt);
  const lines = ["set -e", `mount -o loop,allocsize=4k '${image}' '${mnt}'`, `trap "umount '${mnt}'" EXIT`];
  let filler = 0;
  files.forEach((f, i) => {
    const dst = join(mnt, f.name);
    const src = staged[i] as string;
    lines.push(`mkdir -p '${dirname(dst)}'`, `: > '${dst}'`, `chmod ${(f.mode ?? 0o600).toString(8)} '${dst}'`);
    const blocks = Math.ceil(f.content.length / blockSize);
    for (let b = 0; b < blocks; b++) {
      lines.push(`dd if='${src}' of='${dst}' bs=${blockSize} skip=${b} seek=${b} count=1 conv=notrunc,fsync status=none`);
      lines.push(`dd if=/dev/zero of='${mnt}/.filler-${filler++}' bs=${blockSize} count=1 conv=fsync status=none`);
    }
    if (f.unwrittenTail !== undefined) lines.push(`xfs_io -c 'falloc ${blocks * blockSize} ${f.unwrittenTail}' '${dst}'`);
  });
  lines.push(`rm -f '${mnt}'/.filler-*`, "sync");
  const script = join(dir, "populate.sh");
  await writeFile(script, lines.join("\n") + "\n");
  await run("unshare", ["-m", "--propagation", "private", "sh", script], { timeout: TOOL_TIMEOUT_MS });
}

/** canWriteThroughKernel: fragment needs root (mount, loop devices). */
export function canWriteThroughKernel(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

export interface XfsFileLayout {
  readonly inode: bigint;
  /** Data fork format: "extents" (list in the inode) or "btree". */
  readonly format: string;
  /** di_size: for a directory in block form it equals the directory block size. */
  readonly size: number;
  readonly extents: number;
  /** Allocation group of each extent, in file order. */
  readonly extentAgs: readonly number[];
  /** AG-encoded start block of each extent, in file order. */
  readonly startBlocks: readonly bigint[];
}

/** fileLayout asks xfs_db (not our reader) where a file's inode and extents are; name "" is the root. */
export async function fileLayout(image: string, name: string): Promise<XfsFileLayout> {
  const { stdout } = await run("xfs_db", ["-r", "-c", `path /${name}`, "-c", "inode", "-c", "p core.format core.size", "-c", "bmap", image], {
    timeout: TOOL_TIMEOUT_MS,
  });
  const ino = /current inode number is (\d+)/.exec(stdout);
  const format = /^core\.format = \d+ \((\w+)\)/m.exec(stdout);
  const size = /^core\.size = (\d+)/m.exec(stdout);
  if (ino === null || format === null || size === null) throw new Error(`xfs_db gave no inode for ${name}: ${stdout}`);
  const extents = [...stdout.matchAll(/^data offset \d+ startblock (\d+) \((\d+)\/\d+\)/gm)];
  const extentAgs = extents.map((m) => Number(m[2]));
  const startBlocks = extents.map((m) => BigInt(m[1] as string));
  return { inode: BigInt(ino[1] as string), format: format[1] as string, size: Number(size[1]), extents: extentAgs.length, extentAgs, startBlocks };
}

/** superblockField reads one superblock field with xfs_db, e.g. "agblklog". */
export async function superblockField(image: string, field: string): Promise<string> {
  const { stdout } = await run("xfs_db", ["-r", "-c", "sb 0", "-c", `p ${field}`, image], { timeout: TOOL_TIMEOUT_MS });
  const m = new RegExp(`^${field} = (.*)$`, "m").exec(stdout);
  if (m === null) throw new Error(`xfs_db gave no ${field}: ${stdout}`);
  return m[1] as string;
}

export interface ImageReader {
  readonly readAt: (offset: number, length: number) => Promise<Buffer>;
  /** Reads done so far: lets a test see that a lookup stays cheap. */
  readonly reads: () => number;
  close(): Promise<void>;
}

/** imageReader opens an image read-only and serves positional reads, as state.ts does for a device. */
export async function imageReader(path: string): Promise<ImageReader> {
  const fh = await open(path, "r");
  let reads = 0;
  return {
    readAt: async (offset, length) => {
      reads++;
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, offset);
      return buf.subarray(0, bytesRead);
    },
    reads: () => reads,
    close: () => fh.close(),
  };
}

/** xfsDbConvert: xfs_db's own unit conversion, e.g. ("inode", 131n, "byte") or ("inode", ino, "agno"). */
export async function xfsDbConvert(image: string, from: string, value: bigint, to: string): Promise<number> {
  const { stdout } = await run("xfs_db", ["-r", "-c", `convert ${from} ${value} ${to}`, image], {
    timeout: TOOL_TIMEOUT_MS,
  });
  const m = /\((\d+)\)/.exec(stdout);
  if (m === null) throw new Error(`xfs_db convert gave ${stdout}`);
  return Number(m[1]);
}
