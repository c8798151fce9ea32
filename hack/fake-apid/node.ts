// One fake Talos node: apid's TLS and authorization in front of
// MachineService and the COSI State API, backed by an etcd model shared with
// the other fake nodes through the world dir. Built on node:http2 rather than
// grpc-js's Server because apid refuses some verified clients inside the
// TLS handshake (EKU rule), and grpc-js gives no hook at the socket.
import { createSecureServer, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import type { TLSSocket } from "node:tls";
import type { MethodDefinition } from "@grpc/proto-loader";
import { CosiState, MachineService } from "../../src/talos/protos.js";
import { authorize } from "./authz.js";
import { createCallLog, type CallRecord } from "./call-log.js";
import { cosiHandlers } from "./cosi.js";
import { ownAffiliate, registerAffiliate } from "./discovery.js";
import { createEtcd, type EtcdService } from "./etcd.js";
import { isGrpc, readMessages, respond, streamMessages } from "./grpc-wire.js";
import { machineHandlers } from "./machine-service.js";
import type { Handler, NodeRuntime } from "./runtime.js";
import { resolveSpec, type FakeNodeSpec } from "./spec.js";
import { Code, StatusError, toStatus } from "./status.js";
import { checkPeer, serverTlsOptions, type Caller } from "./tls.js";

const LISTEN_DEADLINE_MS = 10_000;
const WORLD_POLL_MS = 200;
/** A call whose client never finishes sending is dropped after this long. */
const CALL_DEADLINE_MS = 30_000;
/** Largest client stream (an EtcdRecover upload) the fake takes; Talos sets none. */
const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

export interface FakeNode {
  readonly address: string;
  readonly port: number;
  /** Every call and refused handshake, oldest first. */
  readonly calls: readonly CallRecord[];
  readonly state: {
    /** The etcd service now (null on workers). */
    etcd(): EtcdService | null;
    /** The Bootstrap calls this node answered, whatever the result. */
    bootstrapCalls(): CallRecord[];
    /** The apid certificate clients see. */
    readonly serverCertPem: string;
  };
  stop(): Promise<void>;
}

interface Route {
  readonly def: MethodDefinition<object, object>;
  readonly handler: Handler;
}

export async function startFakeNode(input: FakeNodeSpec, opts: { signal: AbortSignal }): Promise<FakeNode> {
  const spec = resolveSpec(input);
  const startedAt = Date.now();
  const rt: NodeRuntime = { spec, startedAt, etcd: createEtcd(spec, startedAt) };
  const log = createCallLog(spec.logFile);
  const routes = buildRoutes(rt);
  const tls = await serverTlsOptions(spec);
  const server = createSecureServer(tls);
  const sessions = new Set<Http2Session>();

  // Runs before http2's own listener, so a refused client never sees a frame.
  server.prependListener("secureConnection", (socket: TLSSocket) => {
    socket.on("error", () => undefined);
    const peer = checkPeer(socket, spec);
    if (!peer.ok) {
      log.add({ kind: "handshake-refused", at: new Date().toISOString(), remote: `${socket.remoteAddress}:${socket.remotePort}`, reason: peer.reason });
      socket.destroy();
    }
  });
  server.on("tlsClientError", () => undefined);
  server.on("session", (session) => {
    sessions.add(session);
    session.on("error", () => undefined);
    session.on("close", () => sessions.delete(session));
  });
  server.on("stream", (stream, headers) => {
    stream.on("error", () => undefined);
    // Fault: the connection is up but no call is ever answered.
    if (spec.hang) return;
    // A failure outside the call (say, the log file is gone) must not kill the process.
    serve(stream, headers).catch(() => stream.destroy());
  });

  // Unary: grpc-go decodes the request before the authorization interceptor runs.
  const callUnary = async (route: Route, stream: ServerHttp2Stream, signal: AbortSignal, caller: Caller): Promise<readonly object[]> => {
    const requests = await readMessages(stream, signal);
    if (requests.length !== 1 || requests[0] === undefined) throw new StatusError(Code.INTERNAL, `expected one request message, got ${requests.length}`);
    const request = route.def.requestDeserialize(requests[0]);
    authorize(route.def.path, caller.roles, spec.minor);
    return route.handler(request, { caller, signal, now: Date.now() });
  };

  // Client stream: authorized before the first message; the handler reads the
  // messages itself (an AsyncIterable), so it can refuse before the upload.
  const callStreaming = async (route: Route, stream: ServerHttp2Stream, signal: AbortSignal, caller: Caller): Promise<readonly object[]> => {
    authorize(route.def.path, caller.roles, spec.minor);
    const decode = async function* (): AsyncGenerator<object> {
      for await (const m of streamMessages(stream, signal, MAX_UPLOAD_BYTES)) yield route.def.requestDeserialize(m);
    };
    return route.handler(decode(), { caller, signal, now: Date.now() });
  };

  const serve = async (stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> => {
    const path = headers[":path"] ?? "";
    if (!isGrpc(headers)) {
      stream.respond({ ":status": 415 });
      stream.end();
      return;
    }
    const peer = checkPeer(stream.session?.socket as TLSSocket, spec);
    if (!peer.ok) return void stream.close();
    const aborter = new AbortController();
    stream.once("close", () => aborter.abort());
    const signal = AbortSignal.any([aborter.signal, AbortSignal.timeout(CALL_DEADLINE_MS)]);
    let replies: Buffer[] = [];
    let outcome: { code: number; message: string } = { code: Code.OK, message: "" };
    try {
      const route = routes.get(path);
      if (route === undefined) throw new StatusError(Code.UNIMPLEMENTED, `unknown method ${path}`);
      const out = await (route.def.requestStream ? callStreaming(route, stream, signal, peer.caller) : callUnary(route, stream, signal, peer.caller));
      replies = out.map((m) => route.def.responseSerialize(m));
    } catch (err) {
      outcome = toStatus(err);
      replies = [];
    }
    // A handler that failed before reading the whole upload: drop the rest.
    if (!stream.readableEnded) stream.resume();
    log.add({ kind: "call", at: new Date().toISOString(), method: path, roles: peer.caller.roles, fingerprint: peer.caller.fingerprint, ...outcome });
    respond(stream, replies, outcome.code, outcome.message);
  };

  await listen(server, spec.address, spec.port, opts.signal);
  // Talos publishes the node to the discovery service once it is configured.
  if (spec.discovery?.enabled === true) registerAffiliate(spec.worldDir, ownAffiliate(spec, rt.startedAt));
  const bound = server.address();
  const port = typeof bound === "object" && bound !== null ? bound.port : spec.port;

  // Join mode must notice a cluster founded by another process without being asked.
  const poll = setInterval(() => {
    try {
      rt.etcd.refresh(Date.now());
    } catch {
      // The next call runs the same refresh and reports the error as its status.
    }
  }, WORLD_POLL_MS);
  poll.unref();

  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopped ??= new Promise<void>((resolve) => {
      clearInterval(poll);
      opts.signal.removeEventListener("abort", onAbort);
      server.close(() => resolve());
      for (const s of sessions) s.destroy();
    });
    return stopped;
  };
  const onAbort = (): void => void stop();
  opts.signal.addEventListener("abort", onAbort, { once: true });

  return {
    address: spec.address,
    port,
    calls: log.records,
    state: {
      etcd: () => rt.etcd.refresh(Date.now()),
      bootstrapCalls: () => log.records.filter((r) => r.kind === "call" && r.method === "/machine.MachineService/Bootstrap"),
      serverCertPem: tls.certPem,
    },
    stop,
  };
}

function buildRoutes(rt: NodeRuntime): Map<string, Route> {
  const routes = new Map<string, Route>();
  const add = (service: typeof MachineService, handlers: Readonly<Record<string, Handler>>): void => {
    for (const [name, def] of Object.entries(service)) {
      const handler = handlers[name];
      if (handler !== undefined) routes.set(def.path, { def, handler });
    }
  };
  add(MachineService, machineHandlers(rt));
  add(CosiState, cosiHandlers(rt));
  return routes;
}

async function listen(server: ReturnType<typeof createSecureServer>, host: string, port: number, signal: AbortSignal): Promise<void> {
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(LISTEN_DEADLINE_MS)]);
  deadline.throwIfAborted();
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      server.close();
      reject(deadline.reason as Error);
    };
    deadline.addEventListener("abort", onAbort, { once: true });
    server.once("error", (err) => {
      deadline.removeEventListener("abort", onAbort);
      reject(err);
    });
    server.listen({ host, port, exclusive: true }, () => {
      deadline.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}
