import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { FakeNode } from "../../../hack/fake-apid/node.js";
import { makeClientCert, makeClusterCa, type ClusterCa, type LeafCert } from "../../../hack/fake-apid/pki.js";
import { readWorld } from "../../../hack/fake-apid/world.js";
import { cleanups, codeOf, dial, fakeWorlds, status } from "./helpers.js";

let ca: ClusterCa;
let admin: LeafCert;
const after = cleanups();

beforeAll(async () => {
  ca = await makeClusterCa("ed25519");
  admin = await makeClientCert(ca, ["os:admin"]);
});
afterEach(() => after.run());

const { world, start } = fakeWorlds(after, () => ca, "fake-apid-world-", { etcdStartDelayMs: 50 });

function machine(node: FakeNode): ReturnType<typeof dial> {
  const c = dial("machine", node.address, node.port, ca.certPem, admin);
  after.add(() => c.close());
  return c;
}

const bootstrap = (node: FakeNode): Promise<number | "ok"> => codeOf(machine(node).unary("Bootstrap", {}));
const waitForRunning = (node: FakeNode): Promise<void> => vi.waitFor(() => expect(node.state.etcd()?.state).toBe("Running"), { timeout: 5_000, interval: 50 });

describe("Bootstrap on a fake node", () => {
  it("answers FailedPrecondition while bootstrap is not available yet", async () => {
    const node = await start(await world(), "127.0.0.51", { bootstrapAvailableAfterMs: 3_600_000 });
    await expect(machine(node).unary("Bootstrap", {})).rejects.toMatchObject({ code: status.FAILED_PRECONDITION, details: "bootstrap is not available yet" });
  });

  it.each([
    ["v1.8", status.FAILED_PRECONDITION],
    ["v1.12", status.FAILED_PRECONDITION],
    ["v1.13", status.UNIMPLEMENTED],
    ["v1.14", status.UNIMPLEMENTED],
  ] as const)("refuses a worker on %s with code %i", async (talosVersion, code) => {
    const node = await start(await world(), "127.0.0.52", { machineType: "worker", talosVersion });
    expect(await bootstrap(node)).toBe(code);
    expect(node.state.etcd()).toBeNull();
  });

  it("answers FailedPrecondition while time is not in sync", async () => {
    const node = await start(await world(), "127.0.0.53", { timeSynced: false });
    await expect(machine(node).unary("Bootstrap", {})).rejects.toMatchObject({ code: status.FAILED_PRECONDITION, details: "time is not in sync yet" });
    expect(node.state.etcd()?.state).toBe("Waiting");
  });

  it("starts etcd with initial-cluster-state=new, then answers AlreadyExists", async () => {
    const dir = await world();
    const node = await start(dir, "127.0.0.54");
    expect(node.state.etcd()).toMatchObject({ state: "Preparing", mode: "join" });
    expect(await bootstrap(node)).toBe("ok");
    await waitForRunning(node);
    expect(node.state.etcd()).toMatchObject({ state: "Running", initialClusterState: "new" });
    expect(await bootstrap(node)).toBe(status.ALREADY_EXISTS);
    expect(node.state.bootstrapCalls().map((c) => c.kind === "call" && c.code)).toEqual([status.OK, status.ALREADY_EXISTS]);
    expect(readWorld(dir).clusters).toEqual(["127.0.0.54"]);

    const cosi = dial("cosi", node.address, node.port, ca.certPem, admin);
    after.add(() => cosi.close());
    const member = await cosi.unary("Get", { namespace: "etcd", type: "EtcdMembers.etcd.talos.dev", id: "local" });
    expect((member["resource"] as { spec: { yaml_spec: string } }).spec.yaml_spec).toMatch(/^memberID: [0-9a-f]{16}\n$/);
    const services = await machine(node).unary("ServiceList", {});
    const etcd = (services["messages"] as { services: { id: string; state: string; health: { healthy: boolean } }[] }[])[0]?.services.find((s) => s.id === "etcd");
    expect(etcd).toMatchObject({ state: "Running", health: { healthy: true } });
  });

  it("lets a join-mode control plane join once another node bootstraps", async () => {
    const dir = await world();
    const [first, second] = await Promise.all([start(dir, "127.0.0.55"), start(dir, "127.0.0.56")]);
    expect(second.state.etcd()).toMatchObject({ state: "Preparing", mode: "join" });
    expect(await bootstrap(first)).toBe("ok");
    await waitForRunning(second);
    expect(second.state.etcd()).toMatchObject({ state: "Running", cluster: "127.0.0.55", initialClusterState: "existing" });
    expect(await bootstrap(second)).toBe(status.ALREADY_EXISTS);
    expect(readWorld(dir)).toEqual({ clusters: ["127.0.0.55"], members: { "127.0.0.55": "127.0.0.55", "127.0.0.56": "127.0.0.55" }, restores: [] });
    const list = await machine(second).unary("EtcdMemberList", { query_local: true });
    expect((list["messages"] as { members: unknown[] }[])[0]?.members).toHaveLength(2);
  });

  it("makes a split brain visible in readWorld: two bootstraps, two clusters", async () => {
    const dir = await world();
    const [a, b] = await Promise.all([start(dir, "127.0.0.57"), start(dir, "127.0.0.58")]);
    expect(await Promise.all([bootstrap(a), bootstrap(b)])).toEqual(["ok", "ok"]);
    expect(readWorld(dir).clusters).toEqual(["127.0.0.57", "127.0.0.58"]);
  });

  it("self-bootstraps a node of type init", async () => {
    const dir = await world();
    const node = await start(dir, "127.0.0.59", { machineType: "init" });
    await waitForRunning(node);
    expect(readWorld(dir).clusters).toEqual(["127.0.0.59"]);
    expect(await bootstrap(node)).toBe(status.ALREADY_EXISTS);
  });
});

describe("EtcdMemberList on a fake node", () => {
  it("is Unimplemented on a worker and fails on a control plane without etcd", async () => {
    const dir = await world();
    const worker = await start(dir, "127.0.0.60", { machineType: "worker" });
    await expect(machine(worker).unary("EtcdMemberList", { query_local: true })).rejects.toMatchObject({
      code: status.UNIMPLEMENTED,
      details: "member list is only available on control plane nodes",
    });
    const cp = await start(dir, "127.0.0.61");
    expect(await codeOf(machine(cp).unary("EtcdMemberList", { query_local: true }))).toBe(status.UNKNOWN);
  });
});
