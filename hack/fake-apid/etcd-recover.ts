// MachineService/EtcdRecover as Talos serves it (docs/talos-facts.md §2): a
// client stream of common.Data chunks written to /var/lib/etcd.snapshot.
// Checks, in Talos's order and before a single chunk is read: /var/lib exists
// (else FailedPrecondition), the node is a control plane (else
// Unimplemented). It does not look at etcd: an upload while etcd runs is
// accepted, and nothing happens until Bootstrap{recover_etcd}. A failed upload
// leaves no snapshot behind. Admin only (authz.ts: unlisted methods).
import type { Handler, NodeRuntime } from "./runtime.js";
import { isControlPlaneType } from "./spec.js";
import { Code, StatusError } from "./status.js";
import { removeSnapshot, writeSnapshot } from "./world.js";

export function etcdRecoverHandlers(rt: NodeRuntime): Readonly<Record<string, Handler>> {
  const { spec } = rt;
  return {
    EtcdRecover: async (requests, ctx) => {
      if (ctx.now - rt.startedAt < spec.varMountedAfterMs) {
        throw new StatusError(Code.FAILED_PRECONDITION, "etcd service is not ready for recovery yet");
      }
      if (!isControlPlaneType(spec.machineType)) {
        throw new StatusError(Code.UNIMPLEMENTED, "etcd recover is only available on control plane nodes");
      }
      // Talos opens the file with O_TRUNC: whatever was uploaded before is gone.
      removeSnapshot(spec.worldDir, spec.address);
      const chunks: Buffer[] = [];
      try {
        for await (const message of requests as AsyncIterable<{ bytes?: Buffer }>) {
          if (message.bytes !== undefined) chunks.push(message.bytes);
        }
      } catch (err) {
        removeSnapshot(spec.worldDir, spec.address);
        throw err;
      }
      writeSnapshot(spec.worldDir, spec.address, Buffer.concat(chunks));
      return [{ messages: [{}] }];
    },
  };
}
