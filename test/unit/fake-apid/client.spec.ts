// The agent's client calls added for discovery and recovery, against the fake
// node over real mutual TLS: limits, roles and the upload's chunking.
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startFakeNode, type FakeNode } from "../../../hack/fake-apid/node.js";
import { makeClusterCa, type ClusterCa } from "../../../hack/fake-apid/pki.js";
import type { FakeNodeSpec } from "../../../hack/fake-apid/spec.js";
import { readSnapshot } from "../../../hack/fake-apid/world.js";
import type { ClientRole } from "../../../src/credentials/certs.js";
import { controlPlanePeers } from "../../../src/discovery/affiliates.js";
import { loadMachineCa } from "../../../src/credentials/ca.js";
import { mintClientIdentity } from "../../../src/credentials/certs.js";
import { connectTalos, type TalosClient } from "../../../src/talos/client.js";
import { TalosError } from "../../../src/talos/errors.js";
import { agentClient, call } from "./agent-client.js";
import { cleanups, tempDir } from "./helpers.js";

const AFFILIATES = { namespace: "cluster", type: "Affiliates.cluster.talos.dev" };

let ca: ClusterCa;
const after = cleanups();
beforeAll(async () => {
  ca = await makeClusterCa("ecdsa");
});
afterEach(() => after.run());

async function cluster(addresses: readonly string[], extra: Partial<FakeNodeSpec> = {}): Promise<{ dir: string; nodes: FakeNode[] }> {
  const dir = await tempDir("fake-apid-client-");
  after.add(() => dir.remove());
  const nodes: FakeNode[] = [];
  for (const address of addresses) {
    const spec: FakeNodeSpec = { address, port: 0, ca, machineType: "controlplane", bootTime: 1n, talosVersion: "v1.14", worldDir: dir.path, discovery: { enabled: true, registrationDelayMs: 0 }, ...extra };
    const node = await startFakeNode(spec, { signal: new AbortController().signal });
    after.add(() => node.stop());
    nodes.push(node);
  }
  return { dir: dir.path, nodes };
}

async function client(node: FakeNode, role: ClientRole): Promise<TalosClient> {
  const c = await agentClient(ca, node, role);
  after.add(() => c.close());
  return c;
}

async function failure(p: Promise<unknown>): Promise<TalosError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TalosError);
  return err as TalosError;
}

describe("TalosClient.listDir()", () => {
  it("lists /var/lib/etcd as Talos walks it: the root alone while empty, its member dir once bootstrapped", async () => {
    const { nodes } = await cluster(["127.0.0.111"], { discovery: { enabled: false } });
    const node = nodes[0] as FakeNode;
    const reader = await client(node, "os:reader");
    expect(await reader.listDir("/var/lib/etcd", { ...call(), maxEntries: 8 })).toEqual([{ name: "/var/lib/etcd", relativeName: ".", isDir: true, error: "" }]);
    await (await client(node, "os:admin")).bootstrap(call());
    await vi.waitFor(() => expect(node.state.etcd()?.state).toBe("Running"), { timeout: 5_000, interval: 50 });
    expect((await reader.listDir("/var/lib/etcd", { ...call(), maxEntries: 8 })).map((e) => e.relativeName)).toEqual([".", "member"]);
    const tooMany = await failure(reader.listDir("/var/lib/etcd", { ...call(), recurse: true, maxEntries: 3 }));
    expect(tooMany).toMatchObject({ kind: "malformed", message: expect.stringMatching(/more than 3 entries/) });
  });

  it("fails with Talos's plain error where the directory does not exist (a worker)", async () => {
    const { nodes } = await cluster(["127.0.0.112"], { machineType: "worker", discovery: { enabled: false } });
    const err = await failure((await client(nodes[0] as FakeNode, "os:reader")).listDir("/var/lib/etcd", { ...call(), maxEntries: 8 }));
    expect(err).toMatchObject({ kind: "unknown", message: expect.stringMatching(/lstat \/var\/lib\/etcd: no such file or directory/) });
  });
});

describe("TalosClient.listResources()", () => {
  it("lists every affiliate with its metadata and both spec forms", async () => {
    const { nodes } = await cluster(["127.0.0.101", "127.0.0.102", "127.0.0.103"]);
    const listed = await (await client(nodes[0] as FakeNode, "os:reader")).listResources(AFFILIATES, call());
    expect(listed).toHaveLength(3);
    for (const r of listed) {
      expect(r).toMatchObject({ namespace: "cluster", type: AFFILIATES.type, version: "1" });
      expect(r.yamlSpec).toContain(`nodeId: ${r.id}`);
      expect(r.protoSpec.length).toBeGreaterThan(0);
    }
  });

  it("refuses more resources or more bytes than asked for, as malformed", async () => {
    const { nodes } = await cluster(["127.0.0.104", "127.0.0.105", "127.0.0.106"]);
    const c = await client(nodes[0] as FakeNode, "os:reader");
    const many = await failure(c.listResources(AFFILIATES, { ...call(), maxResources: 2 }));
    expect([many.kind, many.rawMessage]).toEqual(["malformed", `COSI List cluster/${AFFILIATES.type}: more than 2 resources`]);
    expect((await failure(c.listResources(AFFILIATES, { ...call(), maxBytes: 300 }))).rawMessage).toMatch(/more than 300 bytes$/);
  });

  it("passes on the COSI filter's refusals", async () => {
    const { nodes } = await cluster(["127.0.0.107"]);
    const c = await client(nodes[0] as FakeNode, "os:reader");
    expect((await failure(c.listResources({ namespace: "cluster", type: "Nonsense.cluster.talos.dev" }, call()))).kind).toBe("permission-denied");
    expect((await failure(c.listResources({ namespace: "secrets", type: "OSRootSecrets.secrets.talos.dev" }, call()))).rawMessage).toBe("not authorized");
  });
});

describe("affiliates whose addresses are not theirs", () => {
  it("lead to a foreign certificate or to nothing at all, as the agent must meet them", async () => {
    const foreignCa = await makeClusterCa("ecdsa");
    const dir = await tempDir("fake-apid-foreign-");
    after.add(() => dir.remove());
    const foreign = await startFakeNode({ address: "127.0.0.112", port: 0, ca: foreignCa, machineType: "controlplane", bootTime: 1n, talosVersion: "v1.14", worldDir: dir.path }, { signal: new AbortController().signal });
    after.add(() => foreign.stop());
    const { dir: world, nodes } = await cluster(["127.0.0.111"]);
    const liar = await startFakeNode(
      { address: "127.0.0.114", port: 0, ca, machineType: "controlplane", bootTime: 1n, talosVersion: "v1.14", worldDir: world, discovery: { enabled: true, registrationDelayMs: 0, addresses: ["127.0.0.112", "127.0.0.113"] } },
      { signal: new AbortController().signal },
    );
    after.add(() => liar.stop());
    const listed = await (await client(nodes[0] as FakeNode, "os:reader")).listResources(AFFILIATES, call());
    const peers = controlPlanePeers(listed).peers.map((p) => p.addresses);
    expect(peers).toContainEqual(["127.0.0.112", "127.0.0.113"]);

    // The same port as the foreign node, so only the certificate differs.
    const machineCa = loadMachineCa({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, acceptedCaPems: [] });
    const identity = await mintClientIdentity(machineCa, "os:reader", new Date(), 3_600_000);
    for (const [address, kind] of [["127.0.0.112", "foreign"], ["127.0.0.113", "refused"]] as const) {
      const c = connectTalos({ address, port: foreign.port, identity, trust: machineCa.trustPems });
      after.add(() => c.close());
      expect((await failure(c.systemStat(call()))).kind).toBe(kind);
    }
  });
});

describe("TalosClient.etcdRecover()", () => {
  it("streams an AsyncIterable of any chunk sizes and stores exactly its bytes", async () => {
    const { dir, nodes } = await cluster(["127.0.0.108"]);
    const node = nodes[0] as FakeNode;
    const parts = [Buffer.alloc(10, 1), Buffer.alloc(200 * 1024, 2), Buffer.alloc(0), Buffer.alloc(70_000, 3)];
    async function* source(): AsyncGenerator<Buffer> {
      yield* parts;
    }
    const sent = await (await client(node, "os:admin")).etcdRecover(source(), call());
    expect(sent).toEqual({ bytes: 10 + 200 * 1024 + 70_000 });
    expect(readSnapshot(dir, node.address)).toEqual(Buffer.concat(parts));
  });

  it("refuses a source larger than maxBytes before sending it all", async () => {
    const { nodes } = await cluster(["127.0.0.109"]);
    const err = await failure((await client(nodes[0] as FakeNode, "os:admin")).etcdRecover(Buffer.alloc(300 * 1024), { ...call(), maxBytes: 100 * 1024 }));
    expect([err.kind, err.rawMessage]).toEqual(["canceled", "/machine.MachineService/EtcdRecover: the data to send failed: snapshot larger than 102400 bytes"]);
  });

  it("stops at once when the caller aborts", async () => {
    const { nodes } = await cluster(["127.0.0.110"]);
    const stop = new AbortController();
    async function* endless(): AsyncGenerator<Buffer> {
      for (;;) {
        yield Buffer.alloc(64 * 1024);
        stop.abort();
      }
    }
    const err = await failure((await client(nodes[0] as FakeNode, "os:admin")).etcdRecover(endless(), { signal: stop.signal, timeoutMs: 10_000 }));
    expect(err.kind).toBe("canceled");
  });
});
