// The snapshot upload of an armed recovery (MachineService/EtcdRecover, admin
// only) to our own apid, as data: stored, failed (classified later by the
// core's Bootstrap table), or "changed" when our own re-hash of the bytes
// caught the file changing underneath (recovery/snapshot.ts readVerified).
import type { UploadResult } from "../../recovery/recover.js";
import { SnapshotError } from "../../recovery/errors.js";
import type { CallOptions, TalosClient } from "../../talos/client.js";
import { toTalosError } from "../../talos/errors.js";

export async function uploadSnapshot(open: () => Promise<TalosClient>, chunks: AsyncIterable<Buffer>, opts: CallOptions & { readonly maxBytes: number }): Promise<UploadResult> {
  try {
    await (await open()).etcdRecover(chunks, opts);
    return { kind: "stored" };
  } catch (err) {
    const e = toTalosError(err);
    if (e.cause instanceof SnapshotError && e.cause.kind === "changed") return { kind: "changed", message: e.cause.message };
    return { kind: "failed", failure: { kind: e.kind, message: e.message } };
  }
}
