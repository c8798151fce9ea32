// status.json beside the ballot: what this agent is doing and why, for an
// operator (`talosctl -n <node> read /var/lib/autobootstrap/status.json`,
// hack/status.sh for every control plane). Written with the ballot's atomic
// write, only when the status changed, so a waiting agent does not rewrite
// it every pass. Informational: a failed write is logged, never fatal.
import type { Status } from "../core/status.js";
import { sameStatus } from "../core/status.js";
import type { Logger } from "../log.js";
import { BALLOT_DIR } from "./codec.js";
import { writeAtomic } from "./store.js";

export const STATUS_PATH = `${BALLOT_DIR}/status.json`;

/** The file's shape: the status, who wrote it, and when it last changed. */
export interface StatusFile extends Status {
  readonly version: 1;
  /** This node's own apid address. */
  readonly node: string;
  /** When this content was first written (ISO 8601); unchanged passes keep it. */
  readonly updated: string;
}

export interface StatusWriterOptions {
  readonly node: string;
  readonly log: Logger;
  /** Replaces the file atomically (writeStatusFile in production). */
  readonly write: (text: string) => Promise<void>;
  /** Wall clock for `updated` (the core's clock is monotonic, not a date). */
  readonly clock?: () => Date;
}

export interface StatusWriter {
  /** Writes `s` if it differs from the last status written; never throws. */
  publish(s: Status): Promise<void>;
  /** The last status published (written or not), for events that carry it on. */
  last(): Status | null;
}

/** writeStatusFile replaces status.json with the ballot's atomic write. */
export function writeStatusFile(text: string, path = STATUS_PATH): Promise<void> {
  return writeAtomic(path, text);
}

export function createStatusWriter(o: StatusWriterOptions): StatusWriter {
  const clock = o.clock ?? (() => new Date());
  let written: Status | null = null;
  let last: Status | null = null;
  let failing: string | null = null;
  return {
    async publish(s) {
      last = s;
      if (sameStatus(written, s)) return;
      const file: StatusFile = { version: 1, node: o.node, ...s, updated: clock().toISOString() };
      try {
        await o.write(`${JSON.stringify(file)}\n`);
        written = s;
        failing = null;
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        if (why !== failing) o.log.warn({ err: why }, "status file not written");
        failing = why;
      }
    },
    last: () => last,
  };
}
