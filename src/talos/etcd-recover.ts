// MachineService/EtcdRecover: the snapshot goes up as a client stream of
// common.Data chunks and lands in the node's /var/lib/etcd.snapshot
// (docs/talos-facts.md §2). Admin only. The node takes whatever arrived before
// the end of the stream as the whole file, and a canceled grpc-js stream may
// end cleanly first: after any failure here, upload again before a
// Bootstrap{recover_etcd}.
import type { MethodDefinition } from "@grpc/proto-loader";
import type { CallOptions, Channel } from "./channel.js";
import { clientStream } from "./client-stream.js";
import { TalosError } from "./errors.js";
import { MachineService } from "./protos.js";

export interface UploadLimits {
  /** Default DEFAULT_UPLOAD_MAX_BYTES. */
  readonly maxBytes?: number;
}

/** etcd's default quota is 2 GiB; a snapshot is at most that, plus its hash. */
export const DEFAULT_UPLOAD_MAX_BYTES = 2 * 1024 * 1024 * 1024 + 64;
/** An upload at a few MB/s takes minutes; the caller's timeoutMs overrides it. */
export const DEFAULT_UPLOAD_TIMEOUT_MS = 10 * 60_000;
/** Chunk size of an upload: well below gRPC's 4 MiB message limit. */
const UPLOAD_CHUNK_BYTES = 64 * 1024;

interface Reply {
  readonly messages?: readonly { readonly metadata?: { readonly error?: unknown } | null }[];
}

const RECOVER = MachineService["EtcdRecover"] as MethodDefinition<{ bytes: Buffer }, Reply>;

/** etcdRecover resolves with the bytes sent once the node has stored them all. */
export async function etcdRecover(channel: Channel, snapshot: AsyncIterable<Buffer> | Buffer, opts: CallOptions & UploadLimits): Promise<{ bytes: number }> {
  const limit = opts.maxBytes ?? DEFAULT_UPLOAD_MAX_BYTES;
  let bytes = 0;
  const chunks = async function* (): AsyncGenerator<{ bytes: Buffer }> {
    for await (const buf of Buffer.isBuffer(snapshot) ? [snapshot] : snapshot) {
      for (let at = 0; at < buf.length; at += UPLOAD_CHUNK_BYTES) {
        const chunk = buf.subarray(at, at + UPLOAD_CHUNK_BYTES);
        bytes += chunk.length;
        if (bytes > limit) throw new Error(`snapshot larger than ${limit} bytes`);
        yield { bytes: chunk };
      }
    }
  };
  const r = await clientStream(channel, RECOVER, chunks(), { ...opts, timeoutMs: opts.timeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS });
  const error = r?.messages?.[0]?.metadata?.error;
  if (typeof error === "string" && error !== "") throw new TalosError("unknown", `EtcdRecover: ${error}`);
  return { bytes };
}
