// An armed recovery, carried out where a plain Bootstrap would be: by the
// nominee, after consent. Each attempt makes the snapshot ready (download or
// read, size limit, SHA-256), uploads it to our own apid (EtcdRecover), then
// calls Bootstrap{recover_etcd}. The answer is a BootstrapAnswer, classified
// by the core's table, so the loop treats it exactly as a plain Bootstrap:
// anything that goes wrong before Bootstrap is a "retry" (no Bootstrap, a
// backoff), a refusal from Talos stops the agent.
import type { BootstrapAnswer, CallFailure } from "../core/bootstrap-answer.js";
import { bootstrapAnswer } from "../core/bootstrap-answer.js";
import { SnapshotError } from "./errors.js";
import type { ReadySnapshot } from "./snapshot.js";

export interface RecoveryEdges {
  /** Download or read, then verify; throws SnapshotError. */
  prepare(signal: AbortSignal): Promise<ReadySnapshot>;
  /** EtcdRecover of the snapshot to our own apid. */
  upload(s: ReadySnapshot, signal: AbortSignal): Promise<UploadResult>;
  /** Bootstrap{recover_etcd: true, recover_skip_hash_check} on our own apid. */
  bootstrap(signal: AbortSignal): Promise<BootstrapAnswer>;
  /** Removes our spool (never the operator's file). */
  discard(s: ReadySnapshot): Promise<void>;
}

export type UploadResult =
  /** The node stored every byte. */
  | { readonly kind: "stored" }
  /** The call failed (the node may hold a truncated file: never Bootstrap on it). */
  | { readonly kind: "failed"; readonly failure: CallFailure }
  /** The local file no longer matched its SHA-256 while it was sent. */
  | { readonly kind: "changed"; readonly message: string };

/** One step of a recovery, for the log and the status file. */
export type RecoveryStage = "prepare" | "upload" | "bootstrap";

export interface Recovery {
  /** attempt runs one recovery attempt; `onStage` is told (and awaited) before each stage starts. */
  attempt(signal: AbortSignal, onStage: (stage: RecoveryStage) => Promise<void> | void): Promise<BootstrapAnswer>;
}

/**
 * createRecovery keeps, across attempts of one run, the verified snapshot (a
 * retry does not download GiBs again) and whether the node holds it: once an
 * upload went through, a retried Bootstrap does not upload again, because a
 * Bootstrap whose reply was lost may already be restoring from that file, and
 * a new upload truncates it underneath the restore.
 */
export function createRecovery(edges: RecoveryEdges): Recovery {
  let ready: ReadySnapshot | null = null;
  let uploaded = false;

  const drop = async (): Promise<void> => {
    if (ready !== null) await edges.discard(ready);
    ready = null;
  };

  // A stage never starts once the agent is asked to stop (SIGTERM).
  const stopped: BootstrapAnswer = { kind: "retry", reason: "stopped" };

  return {
    async attempt(signal, onStage) {
      if (!uploaded) {
        await onStage("prepare");
        if (signal.aborted) return stopped;
        try {
          ready ??= await edges.prepare(signal);
        } catch (err) {
          if (!(err instanceof SnapshotError)) throw err;
          return { kind: "retry", reason: `recovery: snapshot ${err.kind}: ${err.message}` };
        }
        await onStage("upload");
        if (signal.aborted) return stopped;
        const sent = await edges.upload(ready, signal);
        if (sent.kind === "changed") {
          await drop(); // verify it afresh next time
          return { kind: "retry", reason: `recovery: ${sent.message}` };
        }
        if (sent.kind === "failed") {
          const reason = `recovery: upload failed: ${sent.failure.message}`;
          if (bootstrapAnswer(sent.failure).kind !== "refused") return { kind: "retry", reason };
          await drop();
          return { kind: "refused", reason };
        }
        uploaded = true;
      }
      await onStage("bootstrap");
      if (signal.aborted) return stopped;
      const answer = await edges.bootstrap(signal);
      // Done with the local copy once Talos has answered for good.
      if (answer.kind !== "retry") await drop();
      return answer;
    },
  };
}
