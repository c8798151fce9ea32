// One gRPC connection to one node's apid with one identity, and the two call
// shapes the agent uses. The only place that bridges AbortSignal and deadlines
// to grpc-js.
import { Client, Metadata, credentials, type ClientReadableStream } from "@grpc/grpc-js";
import type { MethodDefinition } from "@grpc/proto-loader";
import type { ClientIdentity } from "../credentials/certs.js";
import { whenAborted } from "./abort.js";
import { TalosError, toTalosError } from "./errors.js";
import { createMeter, MAX_MESSAGE_BYTES, maxMessageBytes, STREAM_LIMITS, UNARY_LIMITS, windowBytes, type ReplyLimits } from "./limits.js";
import { hostPort, peerCheck, secureContextFor, type TrustPems } from "./tls.js";

/** apid's port (TALOS.md §1). */
export const APID_PORT = 50000;

/** Every I/O call takes these: a caller's signal plus a deadline of its own. */
export interface CallOptions {
  readonly signal: AbortSignal;
  /** Deadline of this call; default DEFAULT_CALL_TIMEOUT_MS. */
  readonly timeoutMs?: number;
}

export const DEFAULT_CALL_TIMEOUT_MS = 5_000;

export interface Channel {
  readonly address: string;
  readonly port: number;
  readonly identity: ClientIdentity;
  readonly client: Client;
  /** Set by our peer check when this node's certificate failed it. */
  foreign: string | undefined;
  /** Key of the certificate the latest verified handshake presented (tls.ts serverKeyOf). */
  serverKey: string | undefined;
  closed: boolean;
}

export interface ChannelOptions {
  readonly address: string;
  readonly port?: number;
  readonly identity: ClientIdentity;
  readonly trust: TrustPems;
  /** Largest reply message taken; default by the identity's role (limits.ts maxMessageBytes). */
  readonly maxMessageBytes?: number;
}

export function openChannel(opts: ChannelOptions): Channel {
  const port = opts.port ?? APID_PORT;
  const channel: { -readonly [K in keyof Channel]: Channel[K] } = {
    address: opts.address,
    port,
    identity: opts.identity,
    client: undefined as unknown as Client,
    foreign: undefined,
    serverKey: undefined,
    closed: false,
  };
  // One shared SecureContext per identity; the checker is per address because
  // it must compare against the IP this channel dials.
  const creds = credentials.createFromSecureContext(secureContextFor(opts.identity, opts.trust), {
    checkServerIdentity: peerCheck(
      opts.address,
      (reason) => (channel.foreign = reason),
      (key) => (channel.serverKey = key),
    ),
    // Stated, not inherited: Node's default follows the environment.
    rejectUnauthorized: true,
  });
  const window = windowBytes(opts.identity.role);
  channel.client = new Client(hostPort(opts.address, port), creds, {
    // Our own connections: closing this channel really closes them, and an
    // identity is never shared with another channel's subchannel.
    "grpc.use_local_subchannel_pool": 1,
    // A rebooting peer must be retried within a round or two, not after the
    // default 2-minute backoff.
    "grpc.initial_reconnect_backoff_ms": 500,
    "grpc.max_reconnect_backoff_ms": 5_000,
    "grpc.max_receive_message_length": opts.maxMessageBytes ?? maxMessageBytes(opts.identity.role),
    ...(window !== undefined ? { "grpc-node.flow_control_window": window } : {}),
    // Our requests are a few bytes; the cap is there only to be stated.
    "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
  });
  return channel;
}

export function closeChannel(channel: Channel): void {
  if (channel.closed) return;
  channel.closed = true;
  channel.client.close();
}

type Deserialize<T> = (bytes: Buffer) => T;

/**
 * What a call's `start` gets: the deadline, `settle` to end the call, and
 * `metered`, which wraps the response deserializer so that every message is
 * counted against the call's limits and the shared in-flight budget before it
 * is decoded.
 */
export interface CallStart<T> {
  readonly deadline: Date;
  settle(error: unknown, value?: T): void;
  /** Ends the call as malformed, cancels it and drops what it buffered. */
  refuse(reason: string): void;
  metered<R>(deserialize: Deserialize<R>): Deserialize<R>;
}

/** Runs one call: arms the deadline, cancels on abort, meters replies, and maps every failure to TalosError. */
export function guarded<T>(channel: Channel, opts: CallOptions, limits: ReplyLimits, start: (c: CallStart<T>) => { cancel(): void }): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (channel.closed) return reject(new TalosError("canceled", "channel closed"));
    if (opts.signal.aborted) return reject(new TalosError("canceled", "aborted before the call", { cause: opts.signal.reason }));
    let done = false;
    let call: { cancel(): void } | undefined;
    const meter = createMeter(limits);
    let stopWatching = (): void => undefined;
    const settle = (error: unknown, value?: T): void => {
      if (done) return;
      done = true;
      stopWatching();
      meter.release();
      if (error !== null && error !== undefined) reject(toTalosError(error, channel.foreign));
      else resolve(value as T);
    };
    const refuse = (reason: string): void => {
      settle(new TalosError("malformed", reason));
      call?.cancel();
    };
    const metered = <R>(deserialize: Deserialize<R>): Deserialize<R> => (buffer) => {
      // After the call ended, grpc-js may still deliver what it had decoded:
      // not counted, not decoded, and not an error (each throw would cost a stack).
      if (done) return undefined as R;
      const refusal = meter.count(buffer.length);
      if (refusal !== undefined) {
        refuse(refusal);
        // grpc-js answers a throwing deserializer by cancelling the call,
        // which has already failed with our reason above.
        throw new Error(refusal);
      }
      return deserialize(buffer);
    };
    const deadline = new Date(Date.now() + (opts.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS));
    try {
      call = start({ deadline, settle, refuse, metered });
    } catch (error) {
      // grpc-js throws synchronously e.g. when the request cannot be serialized.
      return settle(error);
    }
    if (!done) {
      stopWatching = whenAborted(opts.signal, () => {
        settle(new TalosError("canceled", "aborted", { cause: opts.signal.reason }));
        call?.cancel();
      });
    }
  });
}

export function unary<Req, Res>(channel: Channel, method: MethodDefinition<Req, Res>, request: Req, opts: CallOptions): Promise<Res> {
  return guarded<Res>(channel, opts, UNARY_LIMITS, ({ deadline, settle, metered }) =>
    channel.client.makeUnaryRequest<Req, Res>(
      method.path,
      method.requestSerialize,
      metered(method.responseDeserialize),
      request,
      new Metadata(),
      { deadline },
      (error, value) => settle(error, value),
    ),
  );
}

export interface StreamOptions<Res> extends CallOptions {
  /** A refusal (a reason) ends the call as malformed; undefined keeps the message. */
  readonly accept: (message: Res) => string | undefined;
  /** Default STREAM_LIMITS (limits.ts). */
  readonly limits?: ReplyLimits;
}

/**
 * serverStream collects a server stream into an array, refusing more
 * messages or bytes than its limits (a limit on everything: a peer cannot
 * make us buffer until the deadline). A refused stream is cancelled and what
 * it had buffered is dropped at once.
 */
export function serverStream<Req, Res>(channel: Channel, method: MethodDefinition<Req, Res>, request: Req, opts: StreamOptions<Res>): Promise<Res[]> {
  return guarded<Res[]>(channel, opts, opts.limits ?? STREAM_LIMITS, ({ deadline, settle, refuse, metered }) => {
    // Dropped at once when the call fails: a refused stream keeps nothing.
    let messages: Res[] | null = [];
    const call: ClientReadableStream<Res> = channel.client.makeServerStreamRequest<Req, Res>(
      method.path,
      method.requestSerialize,
      metered(method.responseDeserialize),
      request,
      new Metadata(),
      { deadline },
    );
    // The listeners stay until grpc-js ends the stream: a stream left without
    // a "data" listener is never drained, and then never released.
    call.on("data", (message: Res) => {
      if (messages === null) return;
      const refusal = opts.accept(message);
      if (refusal === undefined) return void messages.push(message);
      messages = null;
      refuse(refusal);
    });
    call.on("error", (error) => {
      messages = null;
      settle(error);
    });
    call.on("end", () => settle(null, messages ?? []));
    return call;
  });
}
