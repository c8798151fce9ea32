// One gRPC connection to one node's apid with one identity, and the two call
// shapes the agent uses. The only place that bridges AbortSignal and deadlines
// to grpc-js.
import { Client, Metadata, credentials, type ClientReadableStream } from "@grpc/grpc-js";
import type { MethodDefinition } from "@grpc/proto-loader";
import type { ClientIdentity } from "../credentials/certs.js";
import { TalosError, toTalosError } from "./errors.js";
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
  closed: boolean;
}

export interface ChannelOptions {
  readonly address: string;
  readonly port?: number;
  readonly identity: ClientIdentity;
  readonly trust: TrustPems;
}

export function openChannel(opts: ChannelOptions): Channel {
  const port = opts.port ?? APID_PORT;
  const channel: { -readonly [K in keyof Channel]: Channel[K] } = {
    address: opts.address,
    port,
    identity: opts.identity,
    client: undefined as unknown as Client,
    foreign: undefined,
    closed: false,
  };
  // One shared SecureContext per identity; the checker is per address because
  // it must compare against the IP this channel dials.
  const creds = credentials.createFromSecureContext(secureContextFor(opts.identity, opts.trust), {
    checkServerIdentity: peerCheck(opts.address, (reason) => (channel.foreign = reason)),
  });
  channel.client = new Client(hostPort(opts.address, port), creds, {
    // Our own connections: closing this channel really closes them, and an
    // identity is never shared with another channel's subchannel.
    "grpc.use_local_subchannel_pool": 1,
    // A rebooting peer must be retried within a round or two, not after the
    // default 2-minute backoff.
    "grpc.initial_reconnect_backoff_ms": 500,
    "grpc.max_reconnect_backoff_ms": 5_000,
    "grpc.max_receive_message_length": 1 << 20,
    "grpc.max_send_message_length": 1 << 20,
  });
  return channel;
}

export function closeChannel(channel: Channel): void {
  if (channel.closed) return;
  channel.closed = true;
  channel.client.close();
}

/** Runs one call: arms the deadline, cancels on abort, and maps every failure to TalosError. */
export function guarded<T>(
  channel: Channel,
  opts: CallOptions,
  start: (deadline: Date, settle: (error: unknown, value?: T) => void) => { cancel(): void },
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (channel.closed) return reject(new TalosError("canceled", "channel closed"));
    if (opts.signal.aborted) return reject(new TalosError("canceled", "aborted before the call", { cause: opts.signal.reason }));
    let done = false;
    let call: { cancel(): void } | undefined;
    const onAbort = (): void => {
      settle(new TalosError("canceled", "aborted", { cause: opts.signal.reason }));
      call?.cancel();
    };
    const settle = (error: unknown, value?: T): void => {
      if (done) return;
      done = true;
      opts.signal.removeEventListener("abort", onAbort);
      if (error !== null && error !== undefined) reject(toTalosError(error, channel.foreign));
      else resolve(value as T);
    };
    const deadline = new Date(Date.now() + (opts.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS));
    try {
      call = start(deadline, settle);
    } catch (error) {
      // grpc-js throws synchronously e.g. when the request cannot be serialized.
      return settle(error);
    }
    if (!done) opts.signal.addEventListener("abort", onAbort, { once: true });
  });
}

export function unary<Req, Res>(channel: Channel, method: MethodDefinition<Req, Res>, request: Req, opts: CallOptions): Promise<Res> {
  return guarded<Res>(channel, opts, (deadline, settle) =>
    channel.client.makeUnaryRequest<Req, Res>(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      request,
      new Metadata(),
      { deadline },
      (error, value) => settle(error, value),
    ),
  );
}

/**
 * serverStream collects a server stream into an array, refusing more than
 * `maxMessages` (a limit on everything: a peer cannot make us buffer forever).
 */
export function serverStream<Req, Res>(
  channel: Channel,
  method: MethodDefinition<Req, Res>,
  request: Req,
  opts: CallOptions & { readonly accept: (message: Res) => string | undefined },
): Promise<Res[]> {
  return guarded<Res[]>(channel, opts, (deadline, settle) => {
    const messages: Res[] = [];
    const call: ClientReadableStream<Res> = channel.client.makeServerStreamRequest<Req, Res>(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      request,
      new Metadata(),
      { deadline },
    );
    call.on("data", (message: Res) => {
      const refusal = opts.accept(message);
      if (refusal === undefined) return void messages.push(message);
      settle(new TalosError("malformed", refusal));
      call.cancel();
    });
    call.on("error", (error) => settle(error));
    call.on("end", () => settle(null, messages));
    return call;
  });
}
