import { X509Certificate } from "node:crypto";
import { connect } from "node:tls";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeNode, type FakeNode } from "../../../hack/fake-apid/node.js";
import { makeClientCert, makeClusterCa, type ClusterCa } from "../../../hack/fake-apid/pki.js";
import type { FakeNodeSpec } from "../../../hack/fake-apid/spec.js";
import { cleanups, codeOf, dial, status, tempDir } from "./helpers.js";

const ADDRESS = "127.0.0.41";
let ca: ClusterCa;
let world: Awaited<ReturnType<typeof tempDir>>;
const after = cleanups();

beforeAll(async () => {
  ca = await makeClusterCa("ed25519");
  world = await tempDir("fake-apid-tls-");
});
afterEach(() => after.run());
afterAll(() => world.remove());

async function start(extra: Partial<FakeNodeSpec> = {}): Promise<FakeNode> {
  const stop = new AbortController();
  const spec: FakeNodeSpec = { address: ADDRESS, port: 0, ca, machineType: "controlplane", bootTime: 1_700_000_000n, talosVersion: "v1.12", worldDir: world.path, ...extra };
  const node = await startFakeNode(spec, { signal: stop.signal });
  after.add(() => node.stop());
  return node;
}

function version(node: FakeNode, cert: Parameters<typeof dial>[4], caPem = ca.certPem): Promise<number | "ok"> {
  const client = dial("machine", node.address, node.port, caPem, cert);
  after.add(() => client.close());
  return codeOf(client.unary("Version", {}));
}

describe("startFakeNode() TLS", () => {
  it("serves a client with a role certificate of the machine CA", async () => {
    const node = await start();
    expect(await version(node, await makeClientCert(ca, ["os:reader"]))).toBe("ok");
  });

  it("requires a client certificate", async () => {
    const node = await start();
    expect(await version(node, null)).toBe(status.UNAVAILABLE);
    expect(node.calls.filter((c) => c.kind === "call")).toEqual([]);
  });

  it("refuses EKU [clientAuth, serverAuth] at the connection, with no gRPC status", async () => {
    const node = await start();
    expect(await version(node, await makeClientCert(ca, ["os:admin"], { eku: ["clientAuth", "serverAuth"] }))).toBe(status.UNAVAILABLE);
    expect(node.calls.map((c) => c.kind)).toContain("handshake-refused");
    expect(node.calls.filter((c) => c.kind === "call")).toEqual([]);
  });

  it("closes a refused TLS connection before sending a single byte of HTTP/2", async () => {
    const node = await start();
    const bad = await makeClientCert(ca, ["os:admin"], { eku: ["clientAuth", "serverAuth"] });
    const seen = await new Promise<{ secured: boolean; bytes: number }>((resolve, reject) => {
      let bytes = 0;
      let secured = false;
      const socket = connect({ host: node.address, port: node.port, ca: ca.certPem, cert: bad.certPem, key: bad.keyPem, ALPNProtocols: ["h2"] });
      socket.setTimeout(5_000, () => socket.destroy(new Error("timeout")));
      socket.on("secureConnect", () => (secured = true));
      socket.on("data", (d: Buffer) => (bytes += d.length));
      socket.on("close", () => resolve({ secured, bytes }));
      socket.on("error", () => undefined);
      socket.on("timeout", () => reject(new Error("socket stayed open")));
    });
    // TLS 1.3: the client finishes its side of the handshake before the server judges its certificate.
    expect(seen).toEqual({ secured: true, bytes: 0 });
  });

  it("refuses a client certificate of another CA, and accepts one of acceptedCAs", async () => {
    const other = await makeClusterCa("ecdsa");
    const strict = await start();
    expect(await version(strict, await makeClientCert(other, ["os:admin"]))).toBe(status.UNAVAILABLE);
    const lenient = await start({ acceptedCAs: [other.certPem] });
    expect(await version(lenient, await makeClientCert(other, ["os:admin"]))).toBe("ok");
  });

  it("checks the EKU on 1.8–1.11 only with apidCheckExtKeyUsage, always from 1.12", async () => {
    const bad = await makeClientCert(ca, ["os:admin"], { eku: ["clientAuth", "serverAuth"] });
    expect(await version(await start({ talosVersion: "v1.11", features: { apidCheckExtKeyUsage: false } }), bad)).toBe("ok");
    expect(await version(await start({ talosVersion: "v1.11" }), bad)).toBe(status.UNAVAILABLE);
    expect(await version(await start({ talosVersion: "v1.12", features: { apidCheckExtKeyUsage: false } }), bad)).toBe(status.UNAVAILABLE);
  });

  it("names the node's IP in the server cert, and 127.0.0.1 only from 1.14 when asked", async () => {
    const sans = async (talosVersion: string): Promise<string | undefined> =>
      new X509Certificate((await start({ talosVersion, loopbackSan: true })).state.serverCertPem).subjectAltName;
    expect(await sans("v1.13")).toBe(`IP Address:${ADDRESS}, DNS:talos-127-0-0-41`);
    expect(await sans("v1.14")).toBe(`IP Address:${ADDRESS}, IP Address:127.0.0.1, DNS:talos-127-0-0-41`);
  });

  it("serves on an IPv6 address with that address as IP SAN", async () => {
    const node = await start({ address: "::1" });
    expect(new X509Certificate(node.state.serverCertPem).subjectAltName).toBe("IP Address:0:0:0:0:0:0:0:1, DNS:talos---1");
    expect(await version(node, await makeClientCert(ca, ["os:reader"]))).toBe("ok");
  });

  it("listens on apid's port 50000 by default", async () => {
    const stop = new AbortController();
    const node = await startFakeNode({ address: "127.0.0.243", ca, machineType: "worker", bootTime: 1n, talosVersion: "v1.8", worldDir: world.path }, { signal: stop.signal });
    after.add(() => node.stop());
    expect(node.port).toBe(50000);
    expect(await version(node, await makeClientCert(ca, ["os:operator"]))).toBe("ok");
  });
});
