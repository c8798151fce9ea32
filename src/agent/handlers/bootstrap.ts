// The one call that must never be made twice in a cluster. The answer is
// classified by the core's table (core/bootstrap-answer.ts), which the
// simulator uses too; this handler only turns the call's outcome into data.
import { bootstrapAnswer, type BootstrapAnswer } from "../../core/bootstrap-answer.js";
import type { BootstrapOptions, CallOptions, TalosClient } from "../../talos/client.js";
import { toTalosError } from "../../talos/errors.js";

/** callBootstrap: recoverEtcd only for an armed recovery, after the snapshot was uploaded. */
export async function callBootstrap(open: () => Promise<TalosClient>, opts: CallOptions & BootstrapOptions): Promise<BootstrapAnswer> {
  try {
    await (await open()).bootstrap(opts);
    return bootstrapAnswer(null);
  } catch (err) {
    const e = toTalosError(err);
    return bootstrapAnswer({ kind: e.kind, message: e.message });
  }
}
