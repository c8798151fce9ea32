// The shell's half of status.json: what the core does not know (how each peer
// was found, the last error, the armed recovery), fed to core/status.ts with
// every event, and a `phase` log line at each change of phase. The file
// itself is written by ballots/status-file.ts, only when it changed.
import { createStatusWriter } from "../ballots/status-file.js";
import type { Config } from "../config/env.js";
import { describeSource } from "../config/recovery.js";
import type { StepResult } from "../core/agent.js";
import { statusOf, type Phase, type StatusEvent } from "../core/status.js";
import type { View } from "../core/types.js";
import type { SourceCounts } from "../discovery/peer-sources.js";
import type { Logger } from "../log.js";

export interface StatusShell {
  /** A pass ran step(); `sources`: the control planes in view by how they were found. */
  pass(result: StepResult, view: View, sources: SourceCounts): Promise<void>;
  unready(reason: string): Promise<void>;
  /** This node acts on its nomination: `what` it is doing now. */
  acting(what: string): Promise<void>;
  end(phase: "done" | "refused", why: string): Promise<void>;
  /** Remembers what went wrong; shown until something else goes wrong. */
  error(message: string): void;
}

export interface StatusShellOptions {
  readonly log: Logger;
  readonly node: string;
  readonly quorum: number;
  /** The armed recovery's source as it may be shown, or null. */
  readonly recovery: string | null;
  readonly write: (text: string) => Promise<void>;
  readonly clock?: () => Date;
}

export function createStatusShell(o: StatusShellOptions): StatusShell {
  const writer = createStatusWriter({ node: o.node, log: o.log, write: o.write, ...(o.clock ? { clock: o.clock } : {}) });
  let peers: Readonly<Record<string, number>> = {};
  let lastError: string | null = null;
  let phase: Phase | null = null;

  const publish = async (e: StatusEvent): Promise<void> => {
    const s = statusOf(e, { quorum: o.quorum, peers, recovery: o.recovery, lastError }, writer.last());
    if (s.phase !== phase) o.log.info({ phase: s.phase, why: s.why }, "phase");
    phase = s.phase;
    await writer.publish(s);
  };

  return {
    pass: (result, view, sources) => {
      peers = sources;
      return publish({ kind: "pass", result, view });
    },
    unready: (reason) => publish({ kind: "unready", reason }),
    acting: (what) => publish({ kind: "acting", what }),
    end: (p, why) => publish({ kind: "end", phase: p, why }),
    error: (message) => {
      lastError = message;
    },
  };
}

/** statusShellFor: the status of this run; --dry-run writes nothing. */
export function statusShellFor(config: Config, o: { readonly log: Logger; readonly dryRun: boolean }, self: string, write: (text: string) => Promise<void>): StatusShell {
  if (o.dryRun) return noStatus;
  const recovery = config.recovery === null ? null : describeSource(config.recovery.source);
  return createStatusShell({ log: o.log, node: self, quorum: config.quorum, recovery, write });
}

/** noStatus: --dry-run writes nothing. */
export const noStatus: StatusShell = {
  pass: async () => undefined,
  unready: async () => undefined,
  acting: async () => undefined,
  end: async () => undefined,
  error: () => undefined,
};
