// A plain grpc-js client for the fake node, with certificates from pki.ts:
// deliberately not the agent's client, so the fake is checked on its own.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { CosiState, MachineService } from "../../../src/talos/protos.js";
import { startFakeNode, type FakeNode } from "../../../hack/fake-apid/node.js";
import type { ClusterCa, LeafCert } from "../../../hack/fake-apid/pki.js";
import type { FakeNodeSpec } from "../../../hack/fake-apid/spec.js";

const CALL_DEADLINE_MS = 5_000;

export interface TestClient {
  unary(method: string, request: object): Promise<Record<string, unknown>>;
  stream(method: string, request: object): Promise<Record<string, unknown>[]>;
  close(): void;
}

type Callback = (err: grpc.ServiceError | null, reply: Record<string, unknown>) => void;
type AnyClient = Record<string, (req: object, opts: grpc.CallOptions, cb?: Callback) => grpc.ClientReadableStream<Record<string, unknown>>>;

/** Dials host:port with mTLS: `caPem` verifies the server (IP SAN = host), `cert` is ours. */
export function dial(service: "machine" | "cosi", host: string, port: number, caPem: string, cert: LeafCert | null, deadlineMs = CALL_DEADLINE_MS): TestClient {
  const def = service === "machine" ? MachineService : CosiState;
  const Ctor = grpc.makeGenericClientConstructor(def, service);
  const creds = cert === null ? grpc.credentials.createSsl(Buffer.from(caPem)) : grpc.credentials.createSsl(Buffer.from(caPem), Buffer.from(cert.keyPem), Buffer.from(cert.certPem));
  const target = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  const client = new Ctor(target, creds);
  const methods = client as unknown as AnyClient;
  const deadline = (): grpc.CallOptions => ({ deadline: Date.now() + deadlineMs });
  return {
    unary: (method, request) =>
      new Promise((resolve, reject) => {
        methods[method]?.call(client, request, deadline(), (err, reply) => (err === null ? resolve(reply) : reject(err)));
      }),
    stream: (method, request) =>
      new Promise((resolve, reject) => {
        const out: Record<string, unknown>[] = [];
        const call = methods[method]?.call(client, request, deadline());
        if (call === undefined) return reject(new Error(`no method ${method}`));
        call.on("data", (m: Record<string, unknown>) => out.push(m));
        call.on("error", reject);
        call.on("end", () => resolve(out));
      }),
    close: () => client.close(),
  };
}

/** The gRPC code of a rejected call, or "ok". */
export async function codeOf(p: Promise<unknown>): Promise<number | "ok"> {
  try {
    await p;
    return "ok";
  } catch (err) {
    return (err as grpc.ServiceError).code;
  }
}

export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export { status } from "@grpc/grpc-js";

/** Runs cleanups in reverse order; for afterEach, so a failing test still tears down. */
export function cleanups(): { add(fn: () => unknown): void; run(): Promise<void> } {
  const fns: (() => unknown)[] = [];
  return {
    add: (fn) => void fns.push(fn),
    run: async () => {
      for (const fn of fns.splice(0).reverse()) await fn();
    },
  };
}

/**
 * fakeWorlds: the shared world directory and the fake control planes that
 * the multi-node specs start in it, both torn down by `after`. `ca` is read
 * at each start (specs make it in beforeAll); `defaults` go under each node's
 * own `extra`.
 */
export function fakeWorlds(
  after: ReturnType<typeof cleanups>,
  ca: () => ClusterCa,
  prefix: string,
  defaults: Partial<FakeNodeSpec> = {},
): { world(): Promise<string>; start(worldDir: string, address: string, extra?: Partial<FakeNodeSpec>): Promise<FakeNode> } {
  return {
    async world() {
      const dir = await tempDir(prefix);
      after.add(() => dir.remove());
      return dir.path;
    },
    async start(worldDir, address, extra = {}) {
      const spec: FakeNodeSpec = { address, port: 0, ca: ca(), machineType: "controlplane", bootTime: 1_700_000_000n, talosVersion: "v1.12", worldDir, ...defaults, ...extra };
      const node = await startFakeNode(spec, { signal: new AbortController().signal });
      after.add(() => node.stop());
      return node;
    },
  };
}
