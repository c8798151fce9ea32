// The snapshot of an armed recovery, made ready before anything reaches
// Talos: a URL is downloaded into a spool file in the ballot directory (the
// bytes stream to disk, never into memory), a path is read where it is; both
// are checked against the size limit and the configured SHA-256. Only a
// verified snapshot is ever uploaded, and the upload re-hashes what it sends,
// so a file that changes underneath is caught before Bootstrap.
import { createReadStream, createWriteStream } from "node:fs";
import { rm, stat, statfs } from "node:fs/promises";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describeSource, type RecoveryConfig } from "../config/recovery.js";
import type { Logger } from "../log.js";
import { asSnapshotError, SnapshotError } from "./errors.js";
import { openUrl } from "./http-get.js";
import { createMeter, progressFields, type Progress } from "./meter.js";

/**
 * MAX_SNAPSHOT_BYTES: etcd's own suggested ceiling for its backend quota is
 * 8 GiB (the default quota is 2 GiB), and a snapshot is the backend database,
 * so no snapshot of a healthy cluster is larger. The limit also bounds the
 * spool on EPHEMERAL, which briefly holds it twice (spool and Talos's copy).
 */
export const MAX_SNAPSHOT_BYTES = 8 * 1024 ** 3;
/** One progress line per this interval during a transfer. */
export const PROGRESS_EVERY_MS = 10_000;
/** The spool's name in the ballot directory; removed after use and at every start. */
export const SPOOL_NAME = "recover-snapshot.part";

export interface ReadySnapshot {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
  /** True when `path` is our spool (removed by discard), false for the operator's own file. */
  readonly spooled: boolean;
}

export interface SnapshotOptions {
  /** The ballot directory: on a disk filesystem, checked at start. */
  readonly spoolDir: string;
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly maxBytes?: number;
  readonly progressEveryMs?: number;
  readonly now?: () => number;
}

/** prepareSnapshot returns the verified snapshot, or throws SnapshotError saying why not. */
export async function prepareSnapshot(r: RecoveryConfig, o: SnapshotOptions): Promise<ReadySnapshot> {
  const source = describeSource(r.source);
  o.log.info({ source, limitBytes: o.maxBytes ?? MAX_SNAPSHOT_BYTES }, r.source.kind === "url" ? "recovery: downloading snapshot" : "recovery: reading snapshot");
  const ready = r.source.kind === "url" ? await download(r.source.url, o) : await hashFile(r.source.path, o);
  if (ready.sha256 !== r.sha256) {
    if (ready.spooled) await discard(ready);
    throw new SnapshotError("checksum", `${source}: SHA-256 is ${ready.sha256}, not the configured ${r.sha256}`);
  }
  o.log.info({ source, bytes: ready.bytes, sha256: ready.sha256 }, "recovery: snapshot verified");
  return ready;
}

/** readVerified streams the snapshot again and fails at its end if it no longer matches. */
export async function* readVerified(s: ReadySnapshot, o: Omit<SnapshotOptions, "spoolDir">): AsyncGenerator<Buffer> {
  const meter = createMeter(meterOptions(o, s.bytes, "recovery: upload progress"));
  for await (const chunk of createReadStream(s.path, { signal: o.signal })) {
    meter.add(chunk as Buffer);
    yield chunk as Buffer;
  }
  const sha256 = meter.digest();
  if (meter.bytes() !== s.bytes || sha256 !== s.sha256) {
    throw new SnapshotError("changed", `${s.path} changed while it was uploaded (${meter.bytes()} bytes, SHA-256 ${sha256})`);
  }
}

/** discard removes our spool; the operator's own file is left alone. */
export async function discard(s: ReadySnapshot): Promise<void> {
  if (s.spooled) await rm(s.path, { force: true });
}

/** removeSpool deletes a spool left by an earlier run (it may hold GiBs of the cluster's secrets). */
export async function removeSpool(dir: string): Promise<void> {
  await rm(join(dir, SPOOL_NAME), { force: true });
}

async function download(url: string, o: SnapshotOptions): Promise<ReadySnapshot> {
  const path = join(o.spoolDir, SPOOL_NAME);
  const maxBytes = o.maxBytes ?? MAX_SNAPSHOT_BYTES;
  let received = (): number => 0;
  try {
    const { body, length } = await openUrl(url, { signal: o.signal });
    if (length !== null && length > maxBytes) {
      body.destroy();
      throw new SnapshotError("too-large", `the server announces ${length} bytes, above the limit of ${maxBytes}`);
    }
    if (length !== null) await checkSpace(o.spoolDir, length);
    const meter = createMeter(meterOptions(o, length, "recovery: download progress"));
    received = meter.bytes;
    // 0600: the snapshot holds every Secret of the cluster.
    await pipeline(body, meter.stream, createWriteStream(path, { mode: 0o600 }), { signal: o.signal });
    return { path, bytes: meter.bytes(), sha256: meter.digest(), spooled: true };
  } catch (err) {
    await rm(path, { force: true });
    throw asSnapshotError(err, "download", `${describeSource({ kind: "url", url })} (after ${received()} bytes)`);
  }
}

async function hashFile(path: string, o: SnapshotOptions): Promise<ReadySnapshot> {
  const maxBytes = o.maxBytes ?? MAX_SNAPSHOT_BYTES;
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new SnapshotError("file", `${path} is not a regular file`);
    size = info.size;
  } catch (err) {
    throw asSnapshotError(err, "file", path);
  }
  if (size > maxBytes) throw new SnapshotError("too-large", `${path} holds ${size} bytes, above the limit of ${maxBytes}`);
  const meter = createMeter(meterOptions(o, size, "recovery: read progress"));
  try {
    await pipeline(createReadStream(path, { signal: o.signal }), meter.stream, sink(), { signal: o.signal });
  } catch (err) {
    throw asSnapshotError(err, "file", path);
  }
  return { path, bytes: meter.bytes(), sha256: meter.digest(), spooled: false };
}

async function checkSpace(dir: string, need: number): Promise<void> {
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  if (need > free) throw new SnapshotError("space", `${dir} has ${free} bytes free, the snapshot needs ${need}`);
}

function meterOptions(o: Omit<SnapshotOptions, "spoolDir">, total: number | null, message: string) {
  return {
    maxBytes: o.maxBytes ?? MAX_SNAPSHOT_BYTES,
    total,
    progressEveryMs: o.progressEveryMs ?? PROGRESS_EVERY_MS,
    onProgress: (p: Progress) => o.log.info(progressFields(p), message),
    now: o.now ?? (() => performance.now()),
  };
}

/** sink drops what it is given: hashing a file needs no copy of it. */
function sink(): Writable {
  return new Writable({ write: (_chunk, _enc, done) => done() });
}
