// What every byte of a snapshot passes through, downloaded, read or uploaded:
// a SHA-256, a count that stops at the size limit, and a progress report at
// most every few seconds (a multi-GiB transfer must show it is alive, without
// flooding `talosctl logs`).
import { createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { SnapshotError } from "./errors.js";

export interface Progress {
  readonly bytes: number;
  /** Expected size, when known (Content-Length, file size). */
  readonly total: number | null;
  readonly elapsedMs: number;
}

export interface MeterOptions {
  readonly maxBytes: number;
  readonly total: number | null;
  readonly progressEveryMs: number;
  readonly onProgress: (p: Progress) => void;
  /** Monotonic milliseconds. */
  readonly now: () => number;
}

export interface Meter {
  /** Passes bytes through unchanged; fails with SnapshotError "too-large" past maxBytes. */
  readonly stream: Transform;
  /** Counts and hashes one chunk outside a stream (an async iterator); throws past maxBytes. */
  add(chunk: Buffer): void;
  /** Lower-case hex SHA-256 of everything seen; call once, at the end. */
  digest(): string;
  bytes(): number;
  elapsedMs(): number;
}

export function createMeter(o: MeterOptions): Meter {
  const hash = createHash("sha256");
  const started = o.now();
  let bytes = 0;
  let reported = started;

  const add = (chunk: Buffer): void => {
    bytes += chunk.length;
    if (bytes > o.maxBytes) throw new SnapshotError("too-large", `snapshot larger than the limit of ${o.maxBytes} bytes`);
    hash.update(chunk);
    const now = o.now();
    if (now - reported >= o.progressEveryMs) {
      reported = now;
      o.onProgress({ bytes, total: o.total, elapsedMs: now - started });
    }
  };

  const stream = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      try {
        add(chunk);
      } catch (err) {
        done(err as Error);
        return;
      }
      done(null, chunk);
    },
  });

  return { stream, add, digest: () => hash.digest("hex"), bytes: () => bytes, elapsedMs: () => o.now() - started };
}

/** progressFields is a progress report as log fields: MiB, percent, MiB/s. */
export function progressFields(p: Progress): Record<string, number> {
  const mib = p.bytes / 1024 / 1024;
  const out: Record<string, number> = { mib: round1(mib), mibPerSecond: round1(p.elapsedMs > 0 ? mib / (p.elapsedMs / 1000) : 0) };
  if (p.total !== null && p.total > 0) out.percent = Math.min(100, Math.floor((p.bytes / p.total) * 100));
  return out;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;
