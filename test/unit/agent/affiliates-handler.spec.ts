// readAffiliates against a fake apid over real mutual TLS: this node's id and
// the Affiliates it lists, as the peer finder gets them.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeNode, type FakeNode } from "../../../hack/fake-apid/node.js";
import { makeClusterCa, type ClusterCa } from "../../../hack/fake-apid/pki.js";
import type { FakeNodeSpec } from "../../../hack/fake-apid/spec.js";
import { readAffiliates } from "../../../src/agent/handlers/affiliates.js";
import { controlPlanePeers } from "../../../src/discovery/affiliates.js";
import { agentClient, call } from "../fake-apid/agent-client.js";
import { cleanups, tempDir } from "../fake-apid/helpers.js";

let ca: ClusterCa;
const after = cleanups();
beforeAll(async () => {
  ca = await makeClusterCa("ed25519");
});
afterEach(() => after.run());

async function cluster(discovery: boolean): Promise<FakeNode[]> {
  const dir = await tempDir("affiliates-handler-");
  after.add(() => dir.remove());
  const nodes: FakeNode[] = [];
  for (const [address, machineType] of [["127.0.0.71", "controlplane"], ["127.0.0.72", "controlplane"], ["127.0.0.73", "worker"]] as const) {
    const spec: FakeNodeSpec = {
      address, port: 0, ca, machineType, bootTime: 1_700_000_000n, talosVersion: "v1.12", worldDir: dir.path, nodeId: `node-${address}`,
      ...(discovery ? { discovery: { enabled: true, registrationDelayMs: 0 } } : {}),
    };
    const node = await startFakeNode(spec, { signal: new AbortController().signal });
    after.add(() => node.stop());
    nodes.push(node);
  }
  return nodes;
}

const idOf = (n: FakeNode): string => `node-${n.address}`;

describe("readAffiliates()", () => {
  it("reads this node's id and every affiliate; the peers are the other control planes", async () => {
    const [self, other] = await cluster(true);
    const c = await agentClient(ca, self!, "os:reader");
    after.add(() => c.close());
    const read = await readAffiliates(async () => c, call());
    if (read.kind !== "listed") throw new Error(read.reason);
    expect(read.selfNodeId).toBe(idOf(self!));
    expect(read.affiliates).toHaveLength(3);
    expect(controlPlanePeers(read.affiliates, { selfNodeId: read.selfNodeId }).peers).toEqual([
      { nodeId: idOf(other!), hostname: "talos-127-0-0-72", machineType: "controlplane", addresses: ["127.0.0.72"] },
    ]);
  });

  it("discovery off: listed, but empty (not an error)", async () => {
    const [self] = await cluster(false);
    const c = await agentClient(ca, self!, "os:reader");
    after.add(() => c.close());
    expect(await readAffiliates(async () => c, call())).toEqual({ kind: "listed", selfNodeId: idOf(self!), affiliates: [] });
  });

  it("a failure is a value, never a throw", async () => {
    expect(await readAffiliates(async () => Promise.reject(new Error("no client")), call())).toEqual({ kind: "failed", reason: "no client" });
    const [self] = await cluster(true);
    const c = await agentClient(ca, self!, "os:reader");
    after.add(() => c.close());
    await self!.stop();
    expect((await readAffiliates(async () => c, call())).kind).toBe("failed");
  });
});
