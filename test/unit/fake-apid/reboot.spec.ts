// The fake's etcd data directory (MachineService/List of /var/lib/etcd) and
// a reboot of a bootstrapped node: etcd down for a while, its data kept, and
// a node with an empty data dir that cannot join while no member's etcd runs.
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { FakeNode } from "../../../hack/fake-apid/node.js";
import { makeClientCert, makeClusterCa, type ClusterCa, type LeafCert } from "../../../hack/fake-apid/pki.js";
import { readWorld } from "../../../hack/fake-apid/world.js";
import { cleanups, codeOf, dial, fakeWorlds, status } from "./helpers.js";

let ca: ClusterCa;
let reader: LeafCert;
const after = cleanups();

beforeAll(async () => {
  ca = await makeClusterCa("ed25519");
  reader = await makeClientCert(ca, ["os:reader"]);
});
afterEach(() => after.run());

const { world, start } = fakeWorlds(after, () => ca, "fake-apid-reboot-", { etcdStartDelayMs: 50 });

function machine(node: FakeNode, cert: LeafCert = reader): ReturnType<typeof dial> {
  const c = dial("machine", node.address, node.port, ca.certPem, cert);
  after.add(() => c.close());
  return c;
}

type Info = { name: string; relative_name: string; is_dir: boolean; mode: number; error: string };
const list = async (node: FakeNode, request: object): Promise<Info[]> => (await machine(node).stream("List", request)) as unknown as Info[];
const names = (infos: Info[]) => infos.map((i) => i.relative_name);
const waitForState = (node: FakeNode, state: string): Promise<void> =>
  vi.waitFor(() => expect(node.state.etcd()?.state).toBe(state), { timeout: 5_000, interval: 25 });

describe("List of the etcd data directory on a fake node", () => {
  it("shows the root alone while empty, its member dir once bootstrapped, and walks it with recurse", async () => {
    const node = await start(await world(), "127.0.0.91");
    const empty = await list(node, { root: "/var/lib/etcd" });
    expect(empty).toEqual([expect.objectContaining({ name: "/var/lib/etcd", relative_name: ".", is_dir: true, mode: 0x80000000 + 0o700, error: "" })]);
    const admin = await makeClientCert(ca, ["os:admin"]);
    expect(await codeOf(machine(node, admin).unary("Bootstrap", {}))).toBe("ok");
    await waitForState(node, "Running");
    expect(names(await list(node, { root: "/var/lib/etcd/" }))).toEqual([".", "member"]);
    expect(names(await list(node, { root: "var/lib/etcd", recurse: true }))).toEqual([".", "member", "member/snap", "member/snap/db", "member/wal", "member/wal/0000000000000000-0000000000000000.wal"]);
    expect(names(await list(node, { root: "/var/lib/etcd", recurse: true, recursion_depth: 2 }))).toEqual([".", "member", "member/snap", "member/wal"]);
    expect(names(await list(node, { root: "/var/lib/etcd", recurse: true, types: ["REGULAR"] }))).toEqual(["member/snap/db", "member/wal/0000000000000000-0000000000000000.wal"]);
  });

  it("answers a missing root with Talos's plain lstat error (Unknown), as on a worker", async () => {
    const worker = await start(await world(), "127.0.0.92", { machineType: "worker" });
    await expect(machine(worker).stream("List", { root: "/var/lib/etcd" })).rejects.toMatchObject({
      code: status.UNKNOWN,
      details: "lstat /var/lib/etcd: no such file or directory",
    });
    const cp = await start(await world(), "127.0.0.93");
    expect(await codeOf(machine(cp).stream("List", { root: "/var/lib/etcd/member" }))).toBe(status.UNKNOWN);
  });
});

describe("a reboot of a bootstrapped fake node (etcdDownMs)", () => {
  it("keeps the data dir while etcd shows Waiting, then Preparing, then Running; Bootstrap answers AlreadyExists throughout", async () => {
    const dir = await world();
    const admin = await makeClientCert(ca, ["os:admin"]);
    const first = await start(dir, "127.0.0.94");
    expect(await codeOf(machine(first, admin).unary("Bootstrap", {}))).toBe("ok");
    await waitForState(first, "Running");
    await first.stop();

    const again = await start(dir, "127.0.0.94", { etcdDownMs: 2_000 });
    expect(names(await list(again, { root: "/var/lib/etcd" }))).toEqual([".", "member"]);
    expect(await codeOf(machine(again, admin).unary("Bootstrap", {}))).toBe(status.ALREADY_EXISTS);
    await waitForState(again, "Running");
    const services = await machine(again).unary("ServiceList", {});
    const etcd = (services["messages"] as { services: { id: string; events: { events: { state: string }[] } }[] }[])[0]?.services.find((x) => x.id === "etcd");
    expect(etcd?.events.events.map((e) => e.state)).toEqual(["Waiting", "Preparing", "Running"]);
    expect(readWorld(dir).clusters).toEqual(["127.0.0.94"]);
  });

  it("keeps a control plane with an empty data dir in join mode until a member's etcd runs again", async () => {
    const dir = await world();
    const admin = await makeClientCert(ca, ["os:admin"]);
    const founder = await start(dir, "127.0.0.95");
    expect(await codeOf(machine(founder, admin).unary("Bootstrap", {}))).toBe("ok");
    await waitForState(founder, "Running");
    await founder.stop();

    const [rebooted, added] = await Promise.all([start(dir, "127.0.0.95", { etcdDownMs: 1_000 }), start(dir, "127.0.0.96")]);
    // The founder's data is there all along, but member-add needs its etcd running:
    // whenever the founder (read second) is still down, the added node was still joining.
    for (;;) {
      const joining = added.state.etcd();
      if (rebooted.state.etcd()?.state === "Running") break;
      expect(joining).toMatchObject({ state: "Preparing", mode: "join" });
      await new Promise((r) => setTimeout(r, 50));
    }
    await waitForState(added, "Running");
    expect(readWorld(dir).members).toEqual({ "127.0.0.95": "127.0.0.95", "127.0.0.96": "127.0.0.95" });
  });
});
