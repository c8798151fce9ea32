import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { controlPlanePeers, nodeIdOf, type ListedAffiliate } from "../../../src/discovery/affiliates.js";

/** An affiliate as Talos lists it: keyed by node id, yaml_spec as affiliate.go shapes it. */
function affiliate(nodeId: string, fields: Record<string, unknown> = {}): ListedAffiliate {
  const spec = {
    nodeId,
    addresses: ["10.0.0.2"],
    hostname: `${nodeId}.example.org`,
    nodename: nodeId,
    operatingSystem: "Talos (v1.12.0)",
    machineType: "controlplane",
    controlPlane: { port: 6443 },
    ...fields,
  };
  return { id: nodeId, yamlSpec: stringify(spec, { indent: 4 }) };
}

describe("controlPlanePeers()", () => {
  it("keeps control planes (and init nodes) with every address, KubeSpan's last", () => {
    const got = controlPlanePeers([
      affiliate("b", { addresses: ["10.0.0.2", "192.168.7.2", "2001:DB8::2", "::ffff:10.0.0.9"], kubespan: { publicKey: "k", address: "fdc0::2", endpoints: ["10.0.0.2:51820"] } }),
      affiliate("a", { machineType: "init", addresses: ["10.1.0.3"] }),
    ]);
    expect(got.peers).toEqual([
      { nodeId: "a", hostname: "a.example.org", machineType: "init", addresses: ["10.1.0.3"] },
      { nodeId: "b", hostname: "b.example.org", machineType: "controlplane", addresses: ["10.0.0.2", "192.168.7.2", "2001:db8::2", "10.0.0.9", "fdc0::2"] },
    ]);
    expect(got).toMatchObject({ skipped: [], leftOut: 0 });
  });

  it("skips workers, unknown types, our own node and a node id listed twice, saying why", () => {
    const got = controlPlanePeers(
      [affiliate("w", { machineType: "worker" }), affiliate("u", { machineType: "unknown" }), affiliate("me"), affiliate("c"), affiliate("c", { addresses: ["10.9.9.9"] })],
      { selfNodeId: "me" },
    );
    expect(got.peers.map((p) => p.nodeId)).toEqual(["c"]);
    expect(got.peers[0]?.addresses).toEqual(["10.0.0.2"]);
    expect(got.skipped).toEqual([
      { id: "w", reason: 'not a control plane (machineType "worker")' },
      { id: "u", reason: 'not a control plane (machineType "unknown")' },
      { id: "me", reason: "this node" },
      { id: "c", reason: "node id listed twice" },
    ]);
  });

  it("drops addresses it cannot dial and duplicates; an affiliate left with none is skipped", () => {
    const got = controlPlanePeers([
      affiliate("a", { addresses: ["0.0.0.0", "::", "224.0.0.1", "ff02::1", "fe80::1", "fe80::1%eth0", "10.0.0.0/24", "nonsense", 42, null, "10.0.0.5", "10.0.0.05", "10.0.0.5"] }),
      affiliate("b", { addresses: ["fe80::2"] }),
      affiliate("c", { addresses: "10.0.0.7" }),
    ]);
    expect(got.peers).toEqual([expect.objectContaining({ nodeId: "a", addresses: ["10.0.0.5"] })]);
    expect(got.skipped).toEqual([
      { id: "b", reason: "no usable address" },
      { id: "c", reason: "no usable address" },
    ]);
  });

  it("keeps loopback addresses: Talos never lists them, and the test clusters live there", () => {
    expect(controlPlanePeers([affiliate("a", { addresses: ["127.0.3.4"] })]).peers[0]?.addresses).toEqual(["127.0.3.4"]);
  });

  it("ignores fields it does not know, and tolerates missing optional ones", () => {
    const got = controlPlanePeers([
      affiliate("a", { futureField: { nested: [1, 2] }, kubespan: "not a mapping", controlPlane: null, hostname: 7 }),
      { id: "b", yamlSpec: "nodeId: b\naddresses: [10.0.0.3]\nmachineType: controlplane\n" },
    ]);
    expect(got.peers).toEqual([
      { nodeId: "a", hostname: "", machineType: "controlplane", addresses: ["10.0.0.2"] },
      { nodeId: "b", hostname: "", machineType: "controlplane", addresses: ["10.0.0.3"] },
    ]);
  });

  it("skips what is not an affiliate at all, and never throws", () => {
    const got = controlPlanePeers([
      { id: "a", yamlSpec: "nodeId: [unclosed" },
      { id: "b", yamlSpec: "- a list\n" },
      { id: "c", yamlSpec: "" },
      { id: "d", yamlSpec: stringify({ nodeId: "other", addresses: ["10.0.0.2"], machineType: "controlplane" }) },
      { id: "e", yamlSpec: stringify({ nodeId: "has space", addresses: ["10.0.0.2"], machineType: "controlplane" }) },
      { id: "f", yamlSpec: "x: &a [1]\ny: *a\nnodeId: f\nmachineType: controlplane\naddresses: [10.0.0.2]\n" },
      { id: "g", yamlSpec: "x".repeat(20_000) },
      { id: 5, yamlSpec: null } as unknown as ListedAffiliate,
    ]);
    expect(got.peers).toEqual([]);
    expect(got.skipped.map((s) => [s.id, s.reason])).toEqual([
      ["a", "spec is not YAML"],
      ["b", "spec is not a mapping"],
      ["c", "spec is not a mapping"],
      ["d", "resource id differs from nodeId"],
      ["e", "node id missing or malformed"],
      ["f", "spec is not YAML"],
      ["g", "spec missing or larger than 16384 bytes"],
      ["", "spec missing or larger than 16384 bytes"],
    ]);
  });

  it("looks at no more than maxAffiliates, and keeps no more than maxAddressesEach", () => {
    const listed = ["a", "b", "c", "d"].map((id) => affiliate(id, { addresses: ["10.0.0.1", "10.0.0.2", "10.0.0.3"] }));
    const got = controlPlanePeers(listed, { limits: { maxAffiliates: 3, maxAddressesEach: 2 } });
    expect(got.peers.map((p) => [p.nodeId, p.addresses])).toEqual([
      ["a", ["10.0.0.1", "10.0.0.2"]],
      ["b", ["10.0.0.1", "10.0.0.2"]],
      ["c", ["10.0.0.1", "10.0.0.2"]],
    ]);
    expect(got.leftOut).toBe(1);
  });
});

describe("nodeIdOf()", () => {
  it("reads Identities/local's nodeId, and nothing from what is not one", () => {
    expect(nodeIdOf("nodeId: 7x3TLMbQk2kF9cHYcV1uXWkUaQ1Kp2gV0t9rEoa5Zc4\n")).toBe("7x3TLMbQk2kF9cHYcV1uXWkUaQ1Kp2gV0t9rEoa5Zc4");
    for (const bad of ["", "nodeId: [1]", "nodeId: has space", "- a", "nodeId: [unclosed", `nodeId: ${"a".repeat(200)}`, "x: &a 1\nnodeId: *a"]) expect(nodeIdOf(bad), bad).toBeNull();
  });
});
