// Hostile peers on loopback, one per behaviour of issue 12. Each is a real
// server: an apid stand-in holding a certificate of OUR cluster (a peer with
// stolen or admin credentials) whose Read misbehaves, or a raw TCP/TLS
// listener that breaks the protocol below gRPC. The apid stand-in frames gRPC
// by hand on node:http2, so a flood costs the peer a buffer write, not a
// protobuf encode per message: it sends as fast as the agent can take it.
//
// startPeer is the hook for new cases: give it `read` (e.g. reads.serveBallot
// with a round-2^53 ballot, or one id per address for acceptor identity) and
// the agent meets that peer like any control plane of its cluster.
import type { MethodDefinition } from "@grpc/proto-loader";
import { createHash } from "node:crypto";
import { createSecureServer, type ServerHttp2Stream } from "node:http2";
import { createServer as createTcpServer, type Server as NetServer, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { frame, respond } from "../../hack/fake-apid/grpc-wire.js";
import { fingerprintOf, makeServerCert, type CaPems, type LeafCert } from "../../hack/fake-apid/pki.js";
import { encodeBallot } from "../../src/ballots/codec.js";
import { x509 } from "../../src/credentials/x509.js";
import { CosiState, MachineService } from "../../src/talos/protos.js";
import { DEFAULT_CLUSTER } from "../helpers/talos-config.js";

export interface Peer {
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A Read handler: the response headers are sent; it writes gRPC frames (see `frame`) to `stream`. */
export type ReadHandler = (stream: ServerHttp2Stream) => void;

export interface PeerOptions {
  readonly host: string;
  /** 0 picks a free port (in-process tests); the agent always dials 50000. */
  readonly port?: number;
  /** Our cluster's CA: the peer's apid certificate and the client CA it requires. */
  readonly ca: CaPems;
  readonly machineType?: "controlplane" | "worker" | "init";
  readonly bootTime?: bigint;
  readonly read?: ReadHandler;
  /** Accept every call and never answer it (TLS and HTTP/2 complete, the stream hangs). */
  readonly hang?: boolean;
  /** Replies to unary calls by path, replacing the defaults (e.g. a huge SystemStat). */
  readonly unary?: Readonly<Record<string, () => Buffer>>;
  /** Its apid certificate; default a fresh one (fresh key) naming `host`. One cert for two peers is one host at two addresses. */
  readonly cert?: LeafCert;
}

const OK = 0;
const UNIMPLEMENTED = 12;

/** encode serializes a reply of `method` as the peer sends it. */
export function encode(method: MethodDefinition<object, object>, reply: object): Buffer {
  return method.responseSerialize(reply);
}

/** Writes `chunk` again and again while the stream has room, until the client goes away. */
function flood(stream: ServerHttp2Stream, chunk: Buffer): void {
  const pump = (): void => {
    while (!stream.closed && !stream.destroyed) {
      if (!stream.write(chunk)) return void stream.once("drain", pump);
    }
  };
  pump();
}

/** `count` copies of one framed message, written as one buffer. */
const frames = (message: Buffer, count: number): Buffer => Buffer.concat(Array.from({ length: count }, () => frame(message)));

const READ = MachineService["Read"] as MethodDefinition<object, object>;

/** Read behaviours; the floods never end on their own. */
export const reads = {
  /** Endless empty common.Data messages: 5 bytes on the wire each, 13,107 per 64 KiB write. */
  emptyChunks: (): ReadHandler => {
    const chunk = Buffer.alloc(64 * 1024);
    return (stream) => flood(stream, chunk);
  },
  /** Endless messages just under the client's 1 MiB per-message cap. */
  hugeMessages: (): ReadHandler => {
    const chunk = frame(encode(READ, { bytes: Buffer.alloc((1 << 20) - 64, 0x7b) }));
    return (stream) => flood(stream, chunk);
  },
  /** Endless one-byte chunks: many messages, few bytes. */
  manyMessages: (): ReadHandler => {
    const chunk = frames(encode(READ, { bytes: Buffer.from("{") }), 8192);
    return (stream) => flood(stream, chunk);
  },
  /** A well-behaved Read serving `bytes` in Talos's 1 KiB chunks (for ballot cases). */
  serveBallot: (bytes: Buffer): ReadHandler => (stream) => {
    for (let at = 0; at < bytes.length; at += 1024) stream.write(frame(encode(READ, { bytes: bytes.subarray(at, at + 1024) })));
    stream.end();
  },
};

export interface BallotOptions {
  /** Its ballot id, 32 hex digits; default "5…5". */
  readonly id?: string;
  /** QUORUM_NODES and CONTROL_PLANES it publishes: an agent counts it only when they equal its own. */
  readonly quorum?: number;
  readonly controlPlanes?: number | null;
  /** A promise it shows, e.g. at a round no ballot may carry. */
  readonly promisedRound?: number;
}

/**
 * honestBallot: a valid ballot of the cluster of `caCertPem` (and of the
 * default test cluster's name and endpoint), as an agent that never answers a
 * proposal would publish. Encoded with the agent's own codec, without its
 * pair assertion, so a case can publish what no agent would write.
 */
export function honestBallot(caCertPem: string, o: BallotOptions = {}): Buffer {
  const id = o.id ?? "5".repeat(32);
  return Buffer.from(
    encodeBallot({
      version: 2,
      id,
      machine: createHash("sha256").update(id).digest("hex"),
      cluster: { ca: fingerprintOf(caCertPem), ...DEFAULT_CLUSTER },
      settings: { quorum: o.quorum ?? 2, controlPlanes: o.controlPlanes ?? null },
      promised: o.promisedRound === undefined ? null : { round: o.promisedRound, id },
      accepted: null,
      proposal: null,
      bootstrapped: false,
      peers: {},
    }),
  );
}

const method = (service: typeof MachineService, name: string): MethodDefinition<object, object> =>
  service[name] as MethodDefinition<object, object>;

/** startPeer: a Talos-like control plane of our cluster with pluggable misbehaviour. */
export async function startPeer(o: PeerOptions): Promise<Peer> {
  const leaf = o.cert ?? (await makeServerCert(o.ca, { ips: [o.host], dnsNames: [] }));
  const bootTime = (o.bootTime ?? 1_700_000_000n).toString();
  const spec = `${o.machineType ?? "controlplane"}\n`;
  const unary: Record<string, () => Buffer> = {
    [method(MachineService, "SystemStat").path]: () => encode(method(MachineService, "SystemStat"), { messages: [{ boot_time: bootTime }] }),
    [method(MachineService, "ServiceList").path]: () =>
      encode(method(MachineService, "ServiceList"), { messages: [{ services: [{ id: "apid", state: "Running", health: { healthy: true } }] }] }),
    // /var/lib/etcd with nothing in it: etcd never ran here (the agent reads it as evidence).
    [method(MachineService, "List").path]: () => encode(method(MachineService, "List"), { name: "/var/lib/etcd", relative_name: ".", is_dir: true }),
    [method(CosiState, "Get").path]: () =>
      encode(method(CosiState, "Get"), {
        resource: { metadata: { namespace: "config", type: "MachineTypes.config.talos.dev", id: "machine-type", version: "1" }, spec: { yaml_spec: spec } },
      }),
    ...o.unary,
  };
  const read = o.read ?? ((stream: ServerHttp2Stream) => stream.end());
  const server = createSecureServer({
    key: leaf.keyPem,
    cert: leaf.certPem,
    ca: [o.ca.certPem],
    requestCert: true,
    rejectUnauthorized: true,
    allowHTTP1: false,
    // The flood must not be throttled by the peer's own memory cap (10 MB by default).
    maxSessionMemory: 1024,
  });
  const sessions = new Set<import("node:http2").Http2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.on("error", () => undefined);
    s.on("close", () => sessions.delete(s));
  });
  server.on("tlsClientError", () => undefined);
  server.on("stream", (stream, headers) => {
    stream.on("error", () => undefined);
    if (o.hang === true) return;
    stream.resume(); // the request is not needed: every call gets its fixed answer
    const path = headers[":path"] ?? "";
    const reply = unary[path];
    if (reply !== undefined) return respond(stream, [reply()], OK, "");
    if (path !== READ.path) return respond(stream, [], UNIMPLEMENTED, `unknown method ${path}`);
    // A Read that ends (serveBallot) ends with status OK in the trailers.
    stream.respond({ ":status": 200, "content-type": "application/grpc+proto" }, { waitForTrailers: true });
    stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": String(OK) }));
    read(stream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: o.host, port: o.port ?? 0, exclusive: true }, resolve);
  });
  return {
    address: o.host,
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A raw TCP listener whose connections `onSocket` handles; every socket is destroyed on close. */
export async function startRaw(host: string, port: number, onSocket: (s: Socket) => void): Promise<Peer> {
  const sockets = new Set<Socket>();
  const server: NetServer = createTcpServer((s) => {
    sockets.add(s);
    s.on("error", () => undefined);
    s.on("close", () => sockets.delete(s));
    onSocket(s);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port, exclusive: true }, resolve);
  });
  const bound = (server.address() as { port: number }).port;
  return {
    address: host,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Accepts TCP and never says a word: the TLS handshake never starts. */
export const startSilentTls = (host: string, port = 0): Promise<Peer> => startRaw(host, port, () => undefined);

/** Answers anything with bytes that are neither TLS nor HTTP/2. */
export const startGarbage = (host: string, port = 0): Promise<Peer> =>
  startRaw(host, port, (s) => s.end(Buffer.alloc(4096, 0xff)));

/**
 * startSelfSigned: a TLS + HTTP/2 server with a self-signed certificate that
 * names the dialed IP, and asks for no client certificate: what an
 * unverifying client would happily talk to.
 */
export async function startSelfSigned(host: string, port = 0): Promise<Peer> {
  const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=self-signed",
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3_600_000),
    keys,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: "ip", value: host }])],
  });
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey("pkcs8", keys.privateKey)).toString("base64");
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)?.join("\n")}\n-----END PRIVATE KEY-----\n`;
  const sockets = new Set<Socket>();
  const server = createTlsServer({ cert: cert.toString("pem"), key: keyPem, ALPNProtocols: ["h2"] }, (s) => {
    sockets.add(s);
    s.on("error", () => undefined);
    // An empty SETTINGS frame: enough to look like an HTTP/2 server.
    s.write(Buffer.from([0, 0, 0, 0x04, 0, 0, 0, 0, 0]));
  });
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen({ host, port, exclusive: true }, resolve));
  return {
    address: host,
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
