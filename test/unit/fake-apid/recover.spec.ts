import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startFakeNode, type FakeNode } from "../../../hack/fake-apid/node.js";
import { makeClusterCa, type ClusterCa } from "../../../hack/fake-apid/pki.js";
import { makeSnapshot, restoreSnapshot } from "../../../hack/fake-apid/snapshot.js";
import type { FakeNodeSpec } from "../../../hack/fake-apid/spec.js";
import { readSnapshot, readWorld } from "../../../hack/fake-apid/world.js";
import type { TalosClient } from "../../../src/talos/client.js";
import { TalosError } from "../../../src/talos/errors.js";
import { agentClient, call } from "./agent-client.js";
import { cleanups, tempDir } from "./helpers.js";

const HOUR_MS = 3_600_000;
const DATA = "key=/registry/namespaces/default\n";
const MISSING = "Failed to run pre stage: error verifying snapshot: stat /var/lib/etcd.snapshot: no such file or directory";

let ca: ClusterCa;
const after = cleanups();
beforeAll(async () => {
  ca = await makeClusterCa("ed25519");
});
afterEach(() => after.run());

interface Setup {
  readonly dir: string;
  readonly node: FakeNode;
  readonly admin: TalosClient;
}

async function setup(address: string, extra: Partial<FakeNodeSpec> = {}): Promise<Setup> {
  const dir = await tempDir("fake-apid-recover-");
  after.add(() => dir.remove());
  const spec: FakeNodeSpec = { address, port: 0, ca, machineType: "controlplane", bootTime: 1_700_000_000n, talosVersion: "v1.12", worldDir: dir.path, etcdStartDelayMs: 50, ...extra };
  const node = await startFakeNode(spec, { signal: new AbortController().signal });
  after.add(() => node.stop());
  const admin = await agentClient(ca, node, "os:admin");
  after.add(() => admin.close());
  return { dir: dir.path, node, admin };
}

async function failure(p: Promise<unknown>): Promise<TalosError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TalosError);
  return err as TalosError;
}

/** etcd leaves Preparing: Running, or Failed after a bad restore. */
async function settled(node: FakeNode): Promise<NonNullable<ReturnType<FakeNode["state"]["etcd"]>>> {
  await vi.waitFor(() => expect(["Running", "Failed"]).toContain(node.state.etcd()?.state), { timeout: 5_000, interval: 20 });
  return node.state.etcd() as NonNullable<ReturnType<FakeNode["state"]["etcd"]>>;
}

const recover = { recoverEtcd: true };

describe("fake apid: EtcdRecover and Bootstrap{recover_etcd}", () => {
  it("restores the uploaded snapshot's data once, founds the cluster, and removes the snapshot", async () => {
    const { dir, node, admin } = await setup("127.0.0.81");
    const snapshot = makeSnapshot(DATA);
    expect(await admin.etcdRecover(snapshot, call())).toEqual({ bytes: snapshot.length });
    expect(readSnapshot(dir, node.address)).toEqual(snapshot);
    await admin.bootstrap({ ...call(), ...recover });
    expect(await settled(node)).toMatchObject({ state: "Running", initialClusterState: "new" });
    const world = readWorld(dir);
    expect(world.restores).toHaveLength(1);
    expect(world.restores[0]).toMatchObject({ node: node.address, skipHashCheck: false });
    expect(Buffer.from(world.restores[0]?.dataBase64 ?? "", "base64").toString()).toBe(DATA);
    expect(world.clusters).toEqual([node.address]);
    expect(readSnapshot(dir, node.address)).toBeNull();
    expect((await failure(admin.bootstrap({ ...call(), ...recover }))).kind).toBe("already-exists");
  });

  it("answers Bootstrap OK without a snapshot; etcd then fails its pre-stage, and a retry after the upload works", async () => {
    const { dir, node, admin } = await setup("127.0.0.82");
    await admin.bootstrap({ ...call(), ...recover });
    expect(await settled(node)).toEqual({ state: "Failed", message: MISSING });
    const services = await admin.serviceList(call());
    expect(services.find((s) => s.id === "etcd")).toEqual({ id: "etcd", state: "Failed", healthy: null });
    expect(readWorld(dir).clusters).toEqual([]);
    // The data directory stayed empty: upload, then Bootstrap again.
    await admin.etcdRecover(makeSnapshot(DATA), call());
    await admin.bootstrap({ ...call(), ...recover });
    expect((await settled(node)).state).toBe("Running");
    expect(readWorld(dir).restores).toHaveLength(1);
  });

  it.each([
    ["a corrupt hash", "corrupt", false, /^Failed to run pre stage: error recovering from the snapshot: expected sha256 \[/],
    ["no hash and no skip", "none", false, /snapshot missing hash but --skip-hash-check=false$/],
  ] as const)("fails on %s and leaves the data dir non-empty: Bootstrap then answers AlreadyExists", async (_name, hash, skip, message) => {
    const { dir, node, admin } = await setup("127.0.0.83");
    await admin.etcdRecover(makeSnapshot(DATA, hash), call());
    await admin.bootstrap({ ...call(), recoverEtcd: true, recoverSkipHashCheck: skip });
    const etcd = await settled(node);
    expect(etcd.state).toBe("Failed");
    expect(etcd.state === "Failed" && etcd.message).toMatch(message);
    expect((await failure(admin.bootstrap({ ...call(), ...recover }))).kind).toBe("already-exists");
    expect(readWorld(dir)).toMatchObject({ clusters: [], restores: [] });
  });

  it("restores a copied data dir (no hash) with recover_skip_hash_check", async () => {
    const { dir, node, admin } = await setup("127.0.0.84");
    await admin.etcdRecover(makeSnapshot(DATA, "none"), call());
    await admin.bootstrap({ ...call(), recoverEtcd: true, recoverSkipHashCheck: true });
    expect((await settled(node)).state).toBe("Running");
    expect(readWorld(dir).restores[0]).toMatchObject({ skipHashCheck: true });
  });

  it("fails cleanly on a file that is not a database: the data dir stays empty", async () => {
    const { node, admin } = await setup("127.0.0.85");
    await admin.etcdRecover(Buffer.from("not a snapshot"), call());
    await admin.bootstrap({ ...call(), ...recover });
    expect(await settled(node)).toEqual({ state: "Failed", message: "Failed to run pre stage: error verifying snapshot: invalid database" });
    await admin.etcdRecover(makeSnapshot(DATA), call());
    await admin.bootstrap({ ...call(), ...recover });
    expect((await settled(node)).state).toBe("Running");
  });

  it("refuses EtcdRecover before /var is mounted with FailedPrecondition", async () => {
    const { admin } = await setup("127.0.0.86", { varMountedAfterMs: HOUR_MS });
    const err = await failure(admin.etcdRecover(makeSnapshot(DATA), call()));
    expect([err.kind, err.rawMessage]).toEqual(["failed-precondition", "etcd service is not ready for recovery yet"]);
  });

  it("refuses EtcdRecover on a worker with Unimplemented, and os:reader with PermissionDenied", async () => {
    const { node, admin } = await setup("127.0.0.87", { machineType: "worker" });
    const err = await failure(admin.etcdRecover(makeSnapshot(DATA), call()));
    expect([err.kind, err.rawMessage]).toEqual(["unimplemented", "etcd recover is only available on control plane nodes"]);
    const reader = await agentClient(ca, node, "os:reader");
    after.add(() => reader.close());
    expect((await failure(reader.etcdRecover(makeSnapshot(DATA), call()))).kind).toBe("permission-denied");
  });

  it("refuses a large upload before reading it, without stalling the client", async () => {
    const { admin } = await setup("127.0.0.88", { varMountedAfterMs: HOUR_MS });
    const big = Buffer.alloc(8 * 1024 * 1024, 1);
    expect((await failure(admin.etcdRecover(big, call()))).kind).toBe("failed-precondition");
  });

  it("runs Bootstrap's usual checks first, recover or not", async () => {
    const { dir, admin } = await setup("127.0.0.89", { timeSynced: false });
    await admin.etcdRecover(makeSnapshot(DATA), call());
    expect((await failure(admin.bootstrap({ ...call(), ...recover }))).rawMessage).toBe("time is not in sync yet");
    expect(readWorld(dir).restores).toEqual([]);
  });

  it("replaces an earlier upload; a failed upload is an error, and the next upload replaces what it left", async () => {
    const { dir, node, admin } = await setup("127.0.0.90");
    await admin.etcdRecover(makeSnapshot("first"), call());
    await admin.etcdRecover(makeSnapshot("second"), call());
    expect(restoreSnapshot(readSnapshot(dir, node.address) as Buffer, false)).toMatchObject({ ok: true, data: Buffer.from("second") });
    async function* broken(): AsyncGenerator<Buffer> {
      yield makeSnapshot("third").subarray(0, 4096);
      throw new Error("download interrupted");
    }
    const err = await failure(admin.etcdRecover(broken(), call()));
    expect(err.kind).toBe("canceled");
    expect(err.rawMessage).toMatch(/download interrupted/);
    // grpc-js half-closes a canceled stream before it resets it, so the node
    // may keep the truncated upload as complete (docs/talos-facts.md §2):
    // only a whole new upload is a known state.
    await admin.etcdRecover(makeSnapshot("fourth"), call());
    expect(restoreSnapshot(readSnapshot(dir, node.address) as Buffer, false)).toMatchObject({ ok: true, data: Buffer.from("fourth") });
  });
});
