import { describe, expect, it } from "vitest";
import type { BootstrapAnswer } from "../../../src/core/bootstrap-answer.js";
import { SnapshotError } from "../../../src/recovery/errors.js";
import { createRecovery, type RecoveryEdges, type UploadResult } from "../../../src/recovery/recover.js";
import type { ReadySnapshot } from "../../../src/recovery/snapshot.js";

const READY: ReadySnapshot = { path: "/var/lib/autobootstrap/recover-snapshot.part", bytes: 10, sha256: "a".repeat(64), spooled: true };
const signal = new AbortController().signal;

/** A scripted recovery: each edge answers from its list (the last answer repeats); every call is recorded. */
function script(o: { prepare?: (ReadySnapshot | SnapshotError)[]; upload?: UploadResult[]; bootstrap?: BootstrapAnswer[] }) {
  const calls: string[] = [];
  const next = <T>(list: T[] | undefined, fallback: T): T => (list !== undefined && list.length > 1 ? (list.shift() as T) : (list?.[0] ?? fallback));
  const edges: RecoveryEdges = {
    async prepare() {
      calls.push("prepare");
      const r = next(o.prepare, READY);
      if (r instanceof SnapshotError) throw r;
      return r;
    },
    async upload() {
      calls.push("upload");
      return next(o.upload, { kind: "stored" });
    },
    async bootstrap() {
      calls.push("bootstrap");
      return next(o.bootstrap, { kind: "ok" });
    },
    async discard() {
      calls.push("discard");
    },
  };
  const stages: string[] = [];
  const recovery = createRecovery(edges);
  return { calls, stages, attempt: () => recovery.attempt(signal, (s) => void stages.push(s)) };
}

describe("createRecovery()", () => {
  it("prepares, uploads, then bootstraps, and drops the spool once Talos said yes", async () => {
    const s = script({});
    expect(await s.attempt()).toEqual({ kind: "ok" });
    expect(s.calls).toEqual(["prepare", "upload", "bootstrap", "discard"]);
    expect(s.stages).toEqual(["prepare", "upload", "bootstrap"]);
  });

  it("never bootstraps when the snapshot cannot be made ready, and tries again next time", async () => {
    const s = script({ prepare: [new SnapshotError("checksum", "SHA-256 is x, not y"), new SnapshotError("download", "ECONNREFUSED"), READY] });
    expect(await s.attempt()).toEqual({ kind: "retry", reason: "recovery: snapshot checksum: SHA-256 is x, not y" });
    expect(await s.attempt()).toMatchObject({ kind: "retry", reason: expect.stringMatching(/download.*ECONNREFUSED/) });
    expect(s.calls).toEqual(["prepare", "prepare"]);
    expect(await s.attempt()).toEqual({ kind: "ok" });
  });

  it("never bootstraps after a failed upload; keeps the verified copy for the retry", async () => {
    const s = script({ upload: [{ kind: "failed", failure: { kind: "unavailable", message: "connection reset" } }, { kind: "stored" }] });
    expect(await s.attempt()).toEqual({ kind: "retry", reason: "recovery: upload failed: connection reset" });
    expect(await s.attempt()).toEqual({ kind: "ok" });
    expect(s.calls).toEqual(["prepare", "upload", "upload", "bootstrap", "discard"]);
  });

  it("stops on an upload Talos will never take (the core's table), and on a refused Bootstrap", async () => {
    const s = script({ upload: [{ kind: "failed", failure: { kind: "permission-denied", message: "not authorized" } }] });
    expect(await s.attempt()).toEqual({ kind: "refused", reason: "recovery: upload failed: not authorized" });
    expect(s.calls).toEqual(["prepare", "upload", "discard"]);
    const t = script({ bootstrap: [{ kind: "refused", reason: "etcd is not configured" }] });
    expect(await t.attempt()).toMatchObject({ kind: "refused" });
  });

  it("verifies afresh when the file changed during the upload", async () => {
    const s = script({ upload: [{ kind: "changed", message: "changed while it was uploaded" }, { kind: "stored" }] });
    expect(await s.attempt()).toMatchObject({ kind: "retry" });
    await s.attempt();
    expect(s.calls).toEqual(["prepare", "upload", "discard", "prepare", "upload", "bootstrap", "discard"]);
  });

  it("does not upload again once the node holds the snapshot: a retried Bootstrap may already restore from it", async () => {
    const s = script({ bootstrap: [{ kind: "retry", reason: "time is not in sync yet" }, { kind: "already-exists" }] });
    expect(await s.attempt()).toEqual({ kind: "retry", reason: "time is not in sync yet" });
    expect(await s.attempt()).toEqual({ kind: "already-exists" });
    expect(s.calls).toEqual(["prepare", "upload", "bootstrap", "bootstrap", "discard"]);
    expect(s.stages).toEqual(["prepare", "upload", "bootstrap", "bootstrap"]);
  });
});
