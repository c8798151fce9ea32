// An armed recovery wired to this node: the snapshot edges of deps.ts, and
// EtcdRecover and Bootstrap{recover_etcd} on our own apid through the
// TalosPort. What an attempt does, and in which order, is recovery/recover.ts.
import { describeSource, type RecoveryConfig } from "../config/recovery.js";
import type { Logger } from "../log.js";
import { createRecovery, type Recovery, type RecoveryStage } from "../recovery/recover.js";
import type { RunDeps } from "./deps.js";
import type { TalosPort } from "./port.js";

/** armedRecovery: the recovery this run carries out instead of a plain Bootstrap, or null. */
export function armedRecovery(r: RecoveryConfig | null, o: RecoveryWiring): { readonly config: RecoveryConfig; readonly run: Recovery } | null {
  return r === null ? null : { config: r, run: recoveryFor(r, o) };
}

interface RecoveryWiring {
  readonly port: TalosPort;
  readonly self: string;
  readonly deps: RunDeps;
  readonly log: Logger;
}

export function recoveryFor(r: RecoveryConfig, o: RecoveryWiring): Recovery {
  const { port, self, deps, log } = o;
  return createRecovery({
    prepare: (signal) => deps.snapshots.prepare(r, signal, log),
    upload: async (s, signal) => {
      log.info({ address: self, bytes: s.bytes }, "recovery: uploading snapshot");
      const sent = await port.etcdRecover(self, deps.snapshots.read(s, signal, log), s.bytes, signal);
      if (sent.kind === "stored") log.info({ address: self, bytes: s.bytes }, "recovery: snapshot uploaded");
      return sent;
    },
    bootstrap: (signal) => {
      log.info({ address: self, recoverEtcd: true, skipHashCheck: r.skipHashCheck }, "bootstrap executing");
      return port.bootstrap(self, signal, { skipHashCheck: r.skipHashCheck });
    },
    discard: (s) => deps.snapshots.discard(s),
  });
}

/** stageText: what the nominee is doing, for the status file. */
export function stageText(r: RecoveryConfig, stage: RecoveryStage): string {
  const source = describeSource(r.source);
  switch (stage) {
    case "prepare":
      return `recovery: ${r.source.kind === "url" ? "downloading" : "reading"} and verifying the snapshot from ${source}`;
    case "upload":
      return "recovery: uploading the verified snapshot to this node (EtcdRecover)";
    case "bootstrap":
      return "recovery: calling Bootstrap with recover_etcd";
    default: {
      const unreachable: never = stage;
      throw new Error(`unknown stage ${String(unreachable)}`);
    }
  }
}
