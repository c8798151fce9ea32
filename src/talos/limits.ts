// A limit on everything a peer sends. Each call counts the messages and bytes
// of its replies against its own caps and against the budget shared by all
// calls (budget.ts); the first reply past a cap ends the call as "malformed".

import type { ClientRole } from "../credentials/certs.js";
import { inFlight, type ByteBudget } from "./budget.js";

/**
 * MAX_MESSAGE_BYTES: the largest reply message taken from a peer. The
 * biggest honest one is a ServiceList carrying each service's event history,
 * tens of KiB; 1 MiB leaves ample room. grpc-js refuses a larger message from
 * its 5-byte length prefix alone, before buffering any of it.
 */
export const MAX_MESSAGE_BYTES = 1 << 20;

/**
 * MAX_READ_BYTES: the largest file Read returns to us. Ballots are a few
 * hundred bytes (ballots/codec.ts allows 4 KiB); 64 KiB is ample room.
 */
export const MAX_READ_BYTES = 64 * 1024;

/**
 * maxMessageBytes: the per-message cap of a channel, by the role of its
 * identity. Channels with the os:admin identity carry only Read, Bootstrap
 * and EtcdRecover (agent/talos-port.ts): a Read chunk is never larger than
 * the whole file we accept and the other two reply with an empty item, so there the cap is
 * MAX_READ_BYTES and a huge "ballot" is refused from its 5-byte length
 * prefix instead of costing 1 MiB of buffers per read.
 */
export function maxMessageBytes(role: ClientRole): number {
  return role === "os:admin" ? MAX_READ_BYTES : MAX_MESSAGE_BYTES;
}

/**
 * ADMIN_WINDOW_BYTES: the HTTP/2 flow-control window of a call on an
 * os:admin channel: what a peer may send before we read it. grpc-js decodes
 * every message of what arrived in one go, before our limits see the first,
 * so a stream of 5-byte empty messages costs ~13,000 objects per 64 KiB (the
 * default window) whatever we refuse. 2 KiB carries a ballot (a few hundred
 * bytes) at once; the largest we accept (4 KiB) takes one window update.
 */
export const ADMIN_WINDOW_BYTES = 2 * 1024;

/** windowBytes: the per-stream window of a channel by role (see ADMIN_WINDOW_BYTES); undefined keeps HTTP/2's 64 KiB. */
export function windowBytes(role: ClientRole): number | undefined {
  return role === "os:admin" ? ADMIN_WINDOW_BYTES : undefined;
}

/**
 * MAX_STREAM_MESSAGES: messages one server stream may deliver. Talos's Read
 * sends a file in 1 KiB chunks and never an empty one (talos:
 * pkg/chunker/stream/stream.go), so our largest read (MAX_READ_BYTES,
 * 64 KiB) is 64 messages; 1024 leaves 16× for a server
 * that chunks finer. Each message costs an object however small it is: an
 * endless stream of empty ones grew the heap by 85 MiB/s before this limit.
 */
export const MAX_STREAM_MESSAGES = 1024;

/**
 * MAX_STREAM_BYTES: encoded bytes one server stream may deliver: the largest
 * read (64 KiB) plus its protobuf framing fits four times over.
 */
export const MAX_STREAM_BYTES = 256 * 1024;

/**
 * MAX_EMPTY_CHUNKS: common.Data messages without bytes one Read may contain.
 * Talos never sends one (the chunker skips empty reads); apid's multi-node
 * mode, which we never use, would add one metadata-only message per node.
 * Four tolerates that and still stops a stream of nothing at once.
 */
export const MAX_EMPTY_CHUNKS = 4;

/** Per-call caps on what the peer sends. */
export interface ReplyLimits {
  readonly maxMessages: number;
  /** Encoded bytes of all reply messages of the call. */
  readonly maxBytes: number;
}

export const UNARY_LIMITS: ReplyLimits = { maxMessages: 1, maxBytes: MAX_MESSAGE_BYTES };
export const STREAM_LIMITS: ReplyLimits = { maxMessages: MAX_STREAM_MESSAGES, maxBytes: MAX_STREAM_BYTES };

/** One call's count of its replies. */
export interface Meter {
  /** Counts one reply message of `bytes` encoded bytes; a reason when it passes a limit (then nothing is counted). */
  count(bytes: number): string | undefined;
  /** Returns the call's bytes to the shared budget: the call is over. Idempotent. */
  release(): void;
}

export function createMeter(limits: ReplyLimits, budget: ByteBudget = inFlight): Meter {
  let messages = 0;
  let bytes = 0;
  let held = 0;
  return {
    count(n) {
      if (messages + 1 > limits.maxMessages) return `more than ${limits.maxMessages} reply messages`;
      if (bytes + n > limits.maxBytes) return `replies larger than ${limits.maxBytes} bytes`;
      if (!budget.take(n)) return `peers' replies in flight would pass ${budget.limit} bytes`;
      messages += 1;
      bytes += n;
      held += n;
      return undefined;
    },
    release() {
      budget.give(held);
      held = 0;
    },
  };
}
