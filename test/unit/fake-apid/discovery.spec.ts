import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ownAffiliate, registerAffiliate } from "../../../hack/fake-apid/discovery.js";
import type { FakeNode } from "../../../hack/fake-apid/node.js";
import { makeClusterCa, type ClusterCa } from "../../../hack/fake-apid/pki.js";
import { resolveSpec, type FakeNodeSpec } from "../../../hack/fake-apid/spec.js";
import { parseSpecJson } from "../../../hack/fake-apid/spec-json.js";
import type { CosiResource, TalosClient } from "../../../src/talos/client.js";
import { specMessage } from "../../../src/talos/protos.js";
import { LOADER_OPTIONS } from "../../../src/talos/protos.js";
import { agentClient, call } from "./agent-client.js";
import { cleanups, fakeWorlds } from "./helpers.js";

const AFFILIATES = { namespace: "cluster", type: "Affiliates.cluster.talos.dev" };
const MEMBERS = { namespace: "cluster", type: "Members.cluster.talos.dev" };
const HOUR_MS = 3_600_000;

let ca: ClusterCa;
const after = cleanups();
beforeAll(async () => {
  ca = await makeClusterCa("ed25519");
});
afterEach(() => after.run());

const { world, start } = fakeWorlds(after, () => ca, "fake-apid-discovery-");

async function reader(node: FakeNode): Promise<TalosClient> {
  const c = await agentClient(ca, node, "os:reader");
  after.add(() => c.close());
  return c;
}

const on = (registrationDelayMs = 0): Partial<FakeNodeSpec> => ({ discovery: { enabled: true, registrationDelayMs } });
const yamlOf = (r: CosiResource): Record<string, unknown> => parse(r.yamlSpec) as Record<string, unknown>;
const decode = (type: string, bytes: Buffer): Record<string, unknown> => {
  const t = specMessage(`talos.resource.definitions.cluster.${type}`);
  return t.toObject(t.decode(bytes), { ...LOADER_OPTIONS, bytes: Buffer }) as Record<string, unknown>;
};

describe("fake apid: Affiliates and Members", () => {
  it("lists nothing, itself included, with discovery off; the node id is there anyway", async () => {
    const dir = await world();
    const node = await start(dir, "127.0.0.61");
    await start(dir, "127.0.0.62", on());
    const c = await reader(node);
    expect(await c.listResources(AFFILIATES, call())).toEqual([]);
    expect(await c.listResources(MEMBERS, call())).toEqual([]);
    const identity = await c.getResource({ namespace: "cluster", type: "Identities.cluster.talos.dev", id: "local" }, call());
    expect(yamlOf(identity)).toEqual({ nodeId: resolveSpec({ ...base(dir, "127.0.0.61") }).nodeId });
    expect(decode("IdentitySpec", identity.protoSpec)).toEqual({ node_id: yamlOf(identity)["nodeId"] });
  });

  it("lists itself at once and another node only after its registration delay", async () => {
    const dir = await world();
    const a = await start(dir, "127.0.0.63", on());
    const b = await start(dir, "127.0.0.64", on(0));
    const late = await start(dir, "127.0.0.65", on(HOUR_MS));
    const listed = await (await reader(a)).listResources(AFFILIATES, call());
    const ids = listed.map((r) => r.id);
    expect(ids).toEqual([nodeIdOf(dir, "127.0.0.63"), nodeIdOf(dir, "127.0.0.64")].sort());
    expect(ids).not.toContain(nodeIdOf(dir, late.address));
    // The late node sees the others (their delays passed) and itself.
    expect((await (await reader(late)).listResources(AFFILIATES, call())).map((r) => r.id).sort()).toEqual(
      [a, b, late].map((n) => nodeIdOf(dir, n.address)).sort(),
    );
  });

  it("encodes an affiliate as Talos does, in yaml_spec and proto_spec", async () => {
    const dir = await world();
    const cp = await start(dir, "127.0.0.66", { ...on(), talosVersion: "v1.13" });
    await start(dir, "127.0.0.67", { ...on(), machineType: "worker", hostname: "w1" });
    const listed = await (await reader(cp)).listResources(AFFILIATES, call());
    const mine = listed.find((r) => r.id === nodeIdOf(dir, cp.address)) as CosiResource;
    expect(yamlOf(mine)).toEqual({
      nodeId: mine.id,
      addresses: ["127.0.0.66"],
      hostname: "talos-127-0-0-66",
      nodename: "talos-127-0-0-66",
      operatingSystem: "Talos (v1.13.0)",
      machineType: "controlplane",
      controlPlane: { port: 6443 },
    });
    expect(decode("AffiliateSpec", mine.protoSpec)).toMatchObject({
      node_id: mine.id,
      addresses: [{ ip: Buffer.from([127, 0, 0, 66]) }],
      nodename: "talos-127-0-0-66",
      operating_system: "Talos (v1.13.0)",
      machine_type: "TYPE_CONTROL_PLANE",
      control_plane: { api_server_port: "6443" },
      kube_span: null,
    });
    const worker = yamlOf(listed.find((r) => r.id !== mine.id) as CosiResource);
    expect(worker).toMatchObject({ machineType: "worker", hostname: "w1" });
    expect(worker).not.toHaveProperty("controlPlane");
  });

  it("publishes the addresses it is told to, IPv6 and KubeSpan included", async () => {
    const dir = await world();
    const node = await start(dir, "127.0.0.68", {
      discovery: { enabled: true, registrationDelayMs: 0, addresses: ["127.0.0.68", "192.0.2.1", "fd00::68"], kubespanAddress: "fdc0::68" },
    });
    const [affiliate] = await (await reader(node)).listResources(AFFILIATES, call());
    const spec = yamlOf(affiliate as CosiResource);
    expect(spec["addresses"]).toEqual(["127.0.0.68", "192.0.2.1", "fd00::68", "fdc0::68"]);
    expect(spec["kubespan"]).toMatchObject({ address: "fdc0::68", endpoints: ["127.0.0.68:51820", "192.0.2.1:51820", "[fd00::68]:51820"] });
    const proto = decode("AffiliateSpec", (affiliate as CosiResource).protoSpec) as { addresses: { ip: Buffer }[]; kube_span: { address: { ip: Buffer } } };
    expect(proto.addresses.map((a) => a.ip.length)).toEqual([4, 4, 16, 16]);
    expect(proto.kube_span.address.ip.length).toBe(16);
  });

  it("keys Members by nodename with the member fields only", async () => {
    const dir = await world();
    const node = await start(dir, "127.0.0.69", { ...on(), hostname: "cp-b" });
    await start(dir, "127.0.0.70", { ...on(), hostname: "cp-a" });
    const members = await (await reader(node)).listResources(MEMBERS, call());
    expect(members.map((m) => m.id)).toEqual(["cp-a", "cp-b"]);
    const spec = yamlOf(members[1] as CosiResource);
    expect(Object.keys(spec)).toEqual(["nodeId", "addresses", "hostname", "machineType", "operatingSystem", "controlPlane"]);
    expect(spec["nodeId"]).toBe(nodeIdOf(dir, "127.0.0.69"));
    expect(decode("MemberSpec", (members[1] as CosiResource).protoSpec)).toMatchObject({ hostname: "cp-b", machine_type: "TYPE_CONTROL_PLANE" });
  });

  it("keeps a node's record after it stops, and lists records planted by a test", async () => {
    const dir = await world();
    const node = await start(dir, "127.0.0.71", on());
    const gone = await start(dir, "127.0.0.72", on());
    await gone.stop();
    const ghost = { ...ownAffiliate(resolveSpec(base(dir, "127.0.0.73")), 0), addresses: ["198.51.100.7"] };
    registerAffiliate(dir, ghost);
    const ids = (await (await reader(node)).listResources(AFFILIATES, call())).map((r) => r.id);
    expect(ids).toContain(nodeIdOf(dir, gone.address));
    expect(ids).toContain(ghost.nodeId);
  });

  it("does not list nodes of another world (another cluster)", async () => {
    const node = await start(await world(), "127.0.0.74", on());
    await start(await world(), "127.0.0.75", on());
    expect(await (await reader(node)).listResources(AFFILIATES, call())).toHaveLength(1);
  });
});

describe("parseSpecJson() discovery fields", () => {
  const json = (extra: object): string =>
    JSON.stringify({ address: "10.0.0.2", ca: { certPem: "c", keyPem: "k" }, machineType: "controlplane", bootTime: "1", talosVersion: "v1.12", worldDir: "/w", ...extra });

  it("reads discovery, nodeId and varMountedAfterMs, and leaves discovery off when absent", () => {
    const spec = parseSpecJson(json({ nodeId: "n1", varMountedAfterMs: 5, discovery: { enabled: true, registrationDelayMs: 0, addresses: ["10.0.0.2", "fd00::2"], kubespanAddress: "fdc0::2" } }));
    expect(spec).toMatchObject({ nodeId: "n1", varMountedAfterMs: 5, discovery: { enabled: true, registrationDelayMs: 0, addresses: ["10.0.0.2", "fd00::2"], kubespanAddress: "fdc0::2" } });
    expect(parseSpecJson(json({}))).not.toHaveProperty("discovery");
  });

  it("refuses malformed discovery fields", () => {
    expect(() => parseSpecJson(json({ discovery: {} }))).toThrow("spec.discovery.enabled: want a boolean");
    expect(() => parseSpecJson(json({ discovery: { enabled: true, addresses: [1] } }))).toThrow("spec.discovery.addresses: want strings");
  });
});

function base(worldDir: string, address: string): FakeNodeSpec {
  return { address, ca, machineType: "controlplane", bootTime: 1n, talosVersion: "v1.12", worldDir };
}

const nodeIdOf = (worldDir: string, address: string): string => resolveSpec(base(worldDir, address)).nodeId;
