// The Talos API client and the probe against real mutual TLS on loopback.
import { status, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream } from "@grpc/grpc-js";
import { createHash, X509Certificate } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server as NetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeNode } from "../../hack/fake-apid/node.js";
import { makeClusterCa } from "../../hack/fake-apid/pki.js";
import { mintClientIdentity, type ClientIdentity } from "../../src/credentials/certs.js";
import { probe } from "../../src/discovery/probe.js";
import type { TalosClient } from "../../src/talos/client.js";
import { TalosError } from "../../src/talos/errors.js";
import { createTalosPool, type TalosPool } from "../../src/talos/pool.js";
import { MachineService } from "../../src/talos/protos.js";
import { makeCa, makeLeaf, type KeyType, type TestCa } from "../unit/talos/pki.js";
import { startApid, type RunningApid } from "../unit/talos/server.js";

// Everything a test opens is registered here and closed after it, even on failure.
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The most one call (or one probe) may take before the test gives up on it. */
const CALL_DEADLINE_MS = 30_000;
/**
 * call() is the options of ONE call: its own deadline, made when the call is.
 * (One signal made at load and shared would fire 30 s into a loaded run and
 * fail every later call as "canceled".)
 */
const call = (timeoutMs = 3_000) => ({ signal: AbortSignal.timeout(CALL_DEADLINE_MS), timeoutMs });
const BOOT_TIME = "9007199254740993"; // 2^53 + 1: a JS number would round it

type Unary = (c: ServerUnaryCall<any, any>, cb: sendUnaryData<any>) => void;

const machine: Record<string, Unary | ((s: ServerWritableStream<any, any>) => void)> = {
  SystemStat: (_c, cb) => cb(null, { messages: [{ boot_time: BOOT_TIME }] }),
  ServiceList: (_c, cb) =>
    cb(null, {
      messages: [
        {
          services: [
            { id: "etcd", state: "Preparing", health: { unknown: true } },
            { id: "apid", state: "Running", health: { healthy: true } },
            { id: "kubelet", state: "Running", health: { healthy: false } },
          ],
        },
      ],
    }),
  Bootstrap: (_c, cb) => cb({ code: status.ALREADY_EXISTS, details: "etcd data directory is not empty" }, null),
  Read: (s: ServerWritableStream<any, any>) => {
    const path = (s.request as { path: string }).path;
    if (path === "/missing") {
      s.emit("error", { code: status.NOT_FOUND, details: "no such file" });
      return;
    }
    const size = path === "/big" ? 70 * 1024 : 10;
    for (let i = 0; i < size; i += 4096) s.write({ bytes: Buffer.alloc(Math.min(4096, size - i), 0x61) });
    s.end();
  },
};

const cosi: Record<string, Unary> = {
  Get: (c, cb) => {
    const { namespace, type, id } = c.request as { namespace: string; type: string; id: string };
    if (type !== "MachineTypes.config.talos.dev") return cb({ code: status.NOT_FOUND, details: "not found" }, null);
    cb(null, { resource: { metadata: { namespace, type, id, version: "1" }, spec: { yaml_spec: "controlplane\n" } } });
  },
};

interface World {
  readonly ca: TestCa;
  readonly reader: ClientIdentity;
  readonly apid: RunningApid;
  readonly host: string;
}

async function world(opts: { host?: string; keyType?: KeyType; serverCa?: TestCa; sans?: string[]; clientCa?: TestCa } = {}): Promise<World> {
  const host = opts.host ?? "127.0.0.2";
  const ca = await makeCa(opts.keyType ?? "ed25519");
  const leaf = await makeLeaf(opts.serverCa ?? ca, { ips: opts.sans ?? [host] });
  const apid = await startApid({ host, ...leaf, clientCaPems: [(opts.clientCa ?? ca).certPem], machine, cosi });
  cleanups.push(() => apid.close());
  const reader = await mintClientIdentity(ca, "os:reader", new Date(), 3600_000);
  return { ca, reader, apid, host };
}

function pool(port: number): TalosPool {
  const p = createTalosPool({ port });
  cleanups.push(() => p.closeAll());
  return p;
}

/** A client the way the agent gets one: from a pool (its own, here). */
function client(w: World, identity: ClientIdentity = w.reader, address = w.host, port = w.apid.port): TalosClient {
  return pool(port).client(address, identity, w.ca.trustPems);
}

async function failure(promise: Promise<unknown>): Promise<TalosError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TalosError);
  return error as TalosError;
}

/** A plain TCP server on loopback whose connections `onSocket` handles. */
async function rawServer(onSocket: (s: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server: NetServer = createServer((s) => {
    sockets.add(s);
    s.on("error", () => undefined);
    onSocket(s);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.2", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as { port: number }).port;
}

describe("a pooled TalosClient", () => {
  it("talks to a server whose cert comes from our CA and names the dialed IP", async () => {
    const w = await world();
    const c = client(w);
    expect(await c.systemStat(call())).toEqual({ bootTime: 2n ** 53n + 1n });
    expect(await c.machineType(call())).toBe("controlplane");
    expect(await c.serviceList(call())).toEqual([
      { id: "etcd", state: "Preparing", healthy: null },
      { id: "apid", state: "Running", healthy: true },
      { id: "kubelet", state: "Running", healthy: false },
    ]);
  });

  it("names the server by its certificate's key: one key at two addresses of one host, another for another host", async () => {
    const ca = await makeCa("ecdsa");
    const reader = await mintClientIdentity(ca, "os:reader", new Date(), 3600_000);
    const twoSans = await makeLeaf(ca, { ips: ["127.0.0.2", "127.0.0.3"] });
    const other = await makeLeaf(ca, { ips: ["127.0.0.4"] });
    const keyOf = (pem: string) => createHash("sha256").update(new X509Certificate(pem).publicKey.export({ type: "spki", format: "der" })).digest("hex");
    const keys: (string | null)[] = [];
    for (const [host, leaf] of [["127.0.0.2", twoSans], ["127.0.0.3", twoSans], ["127.0.0.4", other]] as const) {
      const apid = await startApid({ host, ...leaf, clientCaPems: [ca.certPem], machine, cosi });
      cleanups.push(() => apid.close());
      const c = pool(apid.port).client(host, reader, ca.trustPems);
      expect(c.serverKey()).toBeNull(); // no handshake yet
      await c.read("/small", call());
      keys.push(c.serverKey());
    }
    expect(keys).toEqual([keyOf(twoSans.certPem), keyOf(twoSans.certPem), keyOf(other.certPem)]);
    expect(keys[0]).not.toBe(keys[2]);
  });

  it("learns no server key from a server that fails verification", async () => {
    const w = await world({ serverCa: await makeCa("ed25519") });
    const c = client(w);
    expect((await failure(c.read("/small", call()))).kind).toBe("foreign");
    expect(c.serverKey()).toBeNull();
  });

  it("reads a file and refuses one above the size limit", async () => {
    const w = await world();
    const c = client(w);
    expect((await c.read("/small", call())).toString()).toBe("aaaaaaaaaa");
    expect((await failure(c.read("/big", call()))).kind).toBe("malformed");
    expect((await failure(c.read("/missing", call()))).kind).toBe("not-found");
  });

  it("maps gRPC statuses to kinds", async () => {
    const w = await world();
    const c = client(w);
    const already = await failure(c.bootstrap(call()));
    expect([already.kind, already.code, already.rawMessage]).toEqual(["already-exists", status.ALREADY_EXISTS, "etcd data directory is not empty"]);
    const missing = await failure(c.getResource({ namespace: "runtime", type: "Services.v1alpha1.talos.dev", id: "etcd" }, call()));
    expect(missing.kind).toBe("not-found");
  });

  it("calls replies that do not decode or make no sense malformed", async () => {
    const ca = await makeCa("ed25519");
    const leaf = await makeLeaf(ca, { ips: ["127.0.0.2"] });
    const garbage = { ...MachineService["SystemStat"]!, responseSerialize: () => Buffer.from([0xff, 0xff, 0xff]) };
    const apid = await startApid({
      host: "127.0.0.2",
      ...leaf,
      clientCaPems: [ca.certPem],
      machineDefinition: { ...MachineService, SystemStat: garbage },
      machine: { ...machine, ServiceList: (_c: unknown, cb: sendUnaryData<unknown>) => cb(null, { messages: [] }) },
      cosi: { Get: (_c: unknown, cb: sendUnaryData<unknown>) => cb(null, { resource: { metadata: { type: "X", id: "y" }, spec: {} } }) },
    });
    cleanups.push(() => apid.close());
    const reader = await mintClientIdentity(ca, "os:reader", new Date(), 3600_000);
    const c = pool(apid.port).client("127.0.0.2", reader, ca.trustPems);
    expect((await failure(c.systemStat(call()))).kind).toBe("malformed");
    expect((await failure(c.serviceList(call()))).kind).toBe("malformed");
    expect((await failure(c.machineType(call()))).kind).toBe("malformed");
  });

  for (const keyType of ["ed25519", "ecdsa", "rsa"] as const) {
    it(`completes the mutual TLS handshake with ${keyType} certificates`, async () => {
      const w = await world({ keyType });
      expect((await client(w).systemStat(call())).bootTime).toBe(2n ** 53n + 1n);
    });
  }

  it("works over IPv6 on ::1", async () => {
    const w = await world({ host: "::1" });
    expect(await client(w).machineType(call())).toBe("controlplane");
  });

  it("calls a server whose cert is from another CA foreign", async () => {
    const w = await world({ serverCa: await makeCa("ed25519") });
    expect((await failure(client(w).systemStat(call()))).kind).toBe("foreign");
  });

  it("calls a cert without the dialed IP in its SANs foreign", async () => {
    const w = await world({ sans: ["127.0.0.9"] });
    const error = await failure(client(w).systemStat(call()));
    expect(error.kind).toBe("foreign");
    expect(error.rawMessage).toContain("127.0.0.2");
  });

  it("reports tls-rejected when the server wants a client cert of another CA", async () => {
    const w = await world({ clientCa: await makeCa("ed25519") });
    expect((await failure(client(w).systemStat(call()))).kind).toBe("tls-rejected");
  });

  it("reports malformed for a server that is not TLS", async () => {
    const w = await world();
    const port = await rawServer((s) => s.end("HTTP/1.1 400 Bad Request\r\n\r\n"));
    expect((await failure(client(w, w.reader, "127.0.0.2", port).systemStat(call()))).kind).toBe("malformed");
  });

  it("times out on a server that accepts and never answers", async () => {
    const w = await world();
    const port = await rawServer(() => undefined);
    const error = await failure(client(w, w.reader, "127.0.0.2", port).systemStat(call(300)));
    expect(error.kind).toBe("timeout");
  });

  it("reports refused when nothing listens", async () => {
    const w = await world();
    const port = await rawServer(() => undefined);
    await cleanups.pop()?.(); // close the listener again: the port is now free
    expect((await failure(client(w, w.reader, "127.0.0.2", port).systemStat(call()))).kind).toBe("refused");
  });

  it("gives a clean error for a server that resets", async () => {
    const w = await world();
    const port = await rawServer((s) => s.resetAndDestroy());
    const error = await failure(client(w, w.reader, "127.0.0.2", port).systemStat(call()));
    expect(["unavailable", "refused", "tls-rejected"]).toContain(error.kind);
  });

  it("cancels a call when the signal aborts", async () => {
    const w = await world();
    const port = await rawServer(() => undefined);
    const controller = new AbortController();
    const pending = client(w, w.reader, "127.0.0.2", port).systemStat({ signal: controller.signal, timeoutMs: 60_000 });
    controller.abort();
    expect((await failure(pending)).kind).toBe("canceled");
  });
});

describe("createTalosPool()", () => {
  it("reuses a channel per address and role and replaces it when the identity is renewed", async () => {
    const w = await world();
    const p = pool(w.apid.port);
    await p.client(w.host, w.reader, w.ca.trustPems).systemStat(call());
    expect(p.has(w.host, w.reader)).toBe(true);
    await p.client(w.host, w.reader, w.ca.trustPems).systemStat(call());
    expect(p.size).toBe(1);
    const renewed = await mintClientIdentity(w.ca, "os:reader", new Date(), 3600_000);
    expect(p.has(w.host, renewed)).toBe(false);
    expect((await p.client(w.host, renewed, w.ca.trustPems).systemStat(call())).bootTime).toBe(2n ** 53n + 1n);
    expect([p.size, p.has(w.host, renewed), p.has(w.host, w.reader)]).toEqual([1, true, false]);
    p.closeAll();
    expect(p.size).toBe(0);
  });
});

describe("probe()", () => {

  it("finds a Talos node of our cluster and keeps its channel", async () => {
    const w = await world();
    const p = pool(w.apid.port);
    const deps = { pool: p, reader: w.reader, trust: w.ca.trustPems };
    const expected = { kind: "talos", address: w.host, machineType: "controlplane", bootTime: 2n ** 53n + 1n };
    expect(await probe(w.host, deps, call(2_000))).toEqual(expected);
    expect(p.has(w.host, w.reader)).toBe(true);
    expect(await probe(w.host, deps, call(2_000))).toEqual(expected); // through the pooled channel
  });

  it("works over IPv6 on ::1", async () => {
    const w = await world({ host: "::1" });
    const result = await probe("::1", { pool: pool(w.apid.port), reader: w.reader, trust: w.ca.trustPems }, call(2_000));
    expect(result.kind).toBe("talos");
  });

  const cases: [string, () => Promise<{ w: World; port: number }>, string][] = [
    ["a cert of another CA", async () => world({ serverCa: await makeCa("ecdsa") }).then((w) => ({ w, port: w.apid.port })), "foreign"],
    ["a cert without the dialed IP", () => world({ sans: ["127.0.0.3"] }).then((w) => ({ w, port: w.apid.port })), "foreign"],
    ["a server refusing our client cert", async () => world({ clientCa: await makeCa("ed25519") }).then((w) => ({ w, port: w.apid.port })), "tls-rejected"],
    ["garbage", async () => ({ w: await world(), port: await rawServer((s) => s.end(Buffer.alloc(64, 0xff))) }), "malformed"],
    ["a silent server", async () => ({ w: await world(), port: await rawServer(() => undefined) }), "timeout"],
  ];
  for (const [what, setup, kind] of cases) {
    it(`classifies ${what} as ${kind} and pools nothing`, async () => {
      const { w, port } = await setup();
      const p = pool(port);
      const result = await probe("127.0.0.2", { pool: p, reader: w.reader, trust: w.ca.trustPems }, call(500));
      expect(result.kind).toBe(kind);
      expect(p.size).toBe(0);
    });
  }

  it("classifies a closed port as refused", async () => {
    const w = await world();
    const port = await rawServer(() => undefined);
    await cleanups.pop()?.();
    const result = await probe("127.0.0.2", { pool: pool(port), reader: w.reader, trust: w.ca.trustPems }, call(2_000));
    expect(result).toEqual({ kind: "refused", address: "127.0.0.2" });
  });

  it("calls a gRPC server without the COSI API malformed", async () => {
    const ca = await makeCa("ed25519");
    const leaf = await makeLeaf(ca, { ips: ["127.0.0.2"] });
    const apid = await startApid({ host: "127.0.0.2", ...leaf, clientCaPems: [ca.certPem], machine });
    cleanups.push(() => apid.close());
    const reader = await mintClientIdentity(ca, "os:reader", new Date(), 3600_000);
    const p = pool(apid.port);
    const result = await probe("127.0.0.2", { pool: p, reader, trust: ca.trustPems }, call(2_000));
    expect(result.kind).toBe("malformed");
    expect(p.size).toBe(0);
  });
});

describe("against the fake apid", () => {
  async function fakeNode(version: string, opts: { hang?: boolean } = {}) {
    const worldDir = await mkdtemp(join(tmpdir(), "talos-client-"));
    cleanups.push(() => rm(worldDir, { recursive: true, force: true }));
    const cluster = await makeClusterCa("ed25519");
    const node = await startFakeNode(
      { address: "127.0.0.4", port: 0, ca: cluster, machineType: "controlplane", bootTime: 2n ** 60n, talosVersion: version, worldDir, ...opts },
      { signal: AbortSignal.timeout(CALL_DEADLINE_MS) },
    );
    cleanups.push(() => node.stop());
    const ca = { certPem: cluster.certPem, key: cluster.keyObject, keyType: cluster.keyType, trustPems: [cluster.certPem], fingerprint: "" };
    return { node, ca };
  }

  it("accepts our minted certs (EKU rule, RBAC) and reads what a node says", async () => {
    const { node, ca } = await fakeNode("v1.14");
    const reader = await mintClientIdentity(ca, "os:reader", new Date(), 3600_000);
    const admin = await mintClientIdentity(ca, "os:admin", new Date(), 3600_000);
    const p = pool(node.port);
    const result = await probe(node.address, { pool: p, reader, trust: ca.trustPems }, call());
    expect(result).toEqual({ kind: "talos", address: node.address, machineType: "controlplane", bootTime: 2n ** 60n });
    const asReader = p.client(node.address, reader, ca.trustPems);
    expect((await failure(asReader.bootstrap(call()))).kind).toBe("permission-denied");
    const asAdmin = p.client(node.address, admin, ca.trustPems);
    expect((await failure(asAdmin.read("/var/lib/autobootstrap/ballot.json", call()))).kind).toBe("not-found");
    expect(p.size).toBe(2);
  });

  it("times out on a node that completes TLS and HTTP/2 but never answers", async () => {
    const { node, ca } = await fakeNode("v1.12", { hang: true });
    const reader = await mintClientIdentity(ca, "os:reader", new Date(), 3600_000);
    const result = await probe(node.address, { pool: pool(node.port), reader, trust: ca.trustPems }, call(500));
    expect(result.kind).toBe("timeout");
  });
});
