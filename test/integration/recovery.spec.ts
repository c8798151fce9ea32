// Issue 14 on the loopback cluster, with the real bundle: armed recovery
// (from our own snapshot server on loopback, over https with a private CA),
// its failures (wrong checksum, unreachable URL: retries, never a Bootstrap),
// the status file through a happy run, and the off switch.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startLocalCluster, type LocalCluster, type LocalClusterOptions } from "../../hack/local-cluster/cluster.js";
import { makeSnapshot } from "../../hack/fake-apid/snapshot.js";
import { agentClient, call } from "../unit/fake-apid/agent-client.js";
import { logRecords } from "../helpers/agent-log.js";
import { waitFor } from "../helpers/deadline.js";
import { skipReason } from "../helpers/preflight.js";
import { skipWith } from "../helpers/skips.js";
import { closedPort, startSnapshotServer, type SnapshotServer } from "../helpers/snapshot-server.js";

const skip = skipReason(["loop", "xfs", "sandbox", "node"]);

const P = "TALOS_AUTO_BOOTSTRAP_";
const FAST = {
  [`${P}SCAN_INTERVAL`]: "2s",
  [`${P}CONSENT_INTERVAL`]: "200ms",
  [`${P}FOLLOWER_CHECK_INTERVAL`]: "500ms",
  [`${P}PRE_BOOTSTRAP_DELAY`]: "500ms",
  [`${P}SCAN_TIMEOUT`]: "500ms",
  [`${P}MAX_BACKOFF`]: "1s",
  [`${P}QUORUM_NODES`]: "2",
  [`${P}CONTROL_PLANES`]: "3",
};
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const cp = (name: string, host: number, bootTime: bigint) => ({ name, host, machineType: "controlplane" as const, bootTime });
/** b boots first, so it is the usual nominee; who founds depends on timing, so tests ask the world. */
const three = [cp("a", 2, 300n), cp("b", 3, 100n), cp("c", 4, 200n)];

let cluster: LocalCluster | null = null;
let server: SnapshotServer | null = null;
afterEach(async () => {
  await cluster?.teardown();
  await server?.close();
  cluster = null;
  server = null;
});

async function start(o: LocalClusterOptions): Promise<LocalCluster> {
  cluster = await startLocalCluster(o);
  return cluster;
}

const node = (c: LocalCluster, name: string) => c.nodes.find((n) => n.spec.name === name) ?? expect.fail(`no node ${name}`);
const messages = (c: LocalCluster, name: string) => logRecords(node(c, name).agentLog).map((r) => r.msg);
const varLib = (c: LocalCluster, name: string) => join(c.dir, name, "root/var/lib/autobootstrap");
const status = (c: LocalCluster, name: string) => JSON.parse(readFileSync(join(varLib(c, name), "status.json"), "utf8")) as Record<string, unknown>;
/** The node whose etcd founded the cluster (exactly one). */
function founder(c: LocalCluster): string {
  const clusters = c.world().clusters;
  expect(clusters, "etcd clusters").toHaveLength(1);
  return c.nodes.find((n) => n.address === clusters[0])?.spec.name ?? expect.fail(`no node at ${clusters[0]}`);
}
/** Names of the nodes that logged `msg` at least `n` times. */
const logged = (c: LocalCluster, msg: string, n = 1) => c.nodes.filter((x) => messages(c, x.spec.name).filter((m) => m === msg).length >= n).map((x) => x.spec.name);
const nonEmpty = <T>(xs: T[]): T[] | undefined => (xs.length > 0 ? xs : undefined);
const calls = (c: LocalCluster, method: string) =>
  c.nodes.flatMap((n) => n.fake.calls.filter((r) => r.kind === "call" && r.method === `/machine.MachineService/${method}`).map(() => n.spec.name));

describe("armed recovery on a simulated cluster", skipWith(skip), () => {
  it("restores the snapshot's data once, on the nominee, over https with a private CA", async () => {
    const snapshot = makeSnapshot("the cluster as it was");
    server = await startSnapshotServer({ body: snapshot, tls: true });
    const c = await start({
      subnet: 220,
      nodes: three,
      env: { ...FAST, [`${P}RECOVER_FROM`]: server.url, [`${P}RECOVER_SHA256`]: sha256(snapshot), NODE_EXTRA_CA_CERTS: "/var/lib/autobootstrap/test-ca.pem" },
      varLibFiles: { "test-ca.pem": server.caPem },
    });
    expect(await c.waitForAgents(90_000)).toEqual({ a: 0, b: 0, c: 0 });
    const nominee = founder(c);
    const at = node(c, nominee).address;
    const world = c.world();
    expect(world.restores).toHaveLength(1);
    expect(world.restores[0]).toMatchObject({ node: at, snapshotSha256: sha256(snapshot), skipHashCheck: false });
    expect(Buffer.from(world.restores[0]?.dataBase64 ?? "", "base64").toString()).toBe("the cluster as it was");
    expect(c.bootstrapsOk()).toBe(1);
    expect(calls(c, "EtcdRecover")).toEqual([nominee]);
    expect(server.requests).toEqual(["/snap.db"]);
    expect(logged(c, "recovery: snapshot verified")).toEqual([nominee]);
    // Only the nominee downloaded, and its spool is gone.
    expect(logged(c, "recovery: downloading snapshot")).toEqual([nominee]);
    expect(readdirSync(varLib(c, nominee)).filter((f) => f.startsWith("recover-"))).toEqual([]);
    expect(status(c, nominee)).toMatchObject({ phase: "done", recovery: `${server.origin}/snap.db` });
  });

  it("restores a copied data directory from a path with the hash check skipped", async () => {
    const db = makeSnapshot("copied db", "none");
    const c = await start({
      subnet: 221,
      nodes: [cp("solo", 2, 100n)],
      env: {
        ...FAST,
        [`${P}QUORUM_NODES`]: "1",
        [`${P}CONTROL_PLANES`]: "1",
        [`${P}RECOVER_FROM`]: "/var/lib/autobootstrap/copied.db",
        [`${P}RECOVER_SHA256`]: sha256(db),
        [`${P}RECOVER_SKIP_HASH_CHECK`]: "true",
      },
      varLibFiles: { "copied.db": db },
    });
    expect(await c.waitForAgents(60_000)).toEqual({ solo: 0 });
    expect(c.world().restores).toMatchObject([{ node: "127.0.221.2", skipHashCheck: true }]);
    // The operator's file is theirs: never removed.
    expect(readdirSync(varLib(c, "solo"))).toContain("copied.db");
  });

  it("never bootstraps with a wrong checksum: no upload, retries with backoff, the error in the status", async () => {
    const snapshot = makeSnapshot("data");
    server = await startSnapshotServer({ body: snapshot });
    const c = await start({ subnet: 222, nodes: three, env: { ...FAST, [`${P}RECOVER_FROM`]: server.url, [`${P}RECOVER_SHA256`]: "0".repeat(64) } });
    const [nominee] = await waitFor("three failed attempts on the nominee", () => nonEmpty(logged(c, "recovery failed; will retry", 3)), { timeoutMs: 90_000 });
    expect(logged(c, "recovery failed; will retry")).toEqual([nominee]);
    expect(server.requests.length).toBeGreaterThanOrEqual(3);
    expect(calls(c, "EtcdRecover")).toEqual([]);
    expect(calls(c, "Bootstrap")).toEqual([]);
    expect(c.world()).toMatchObject({ clusters: [], restores: [] });
    expect(status(c, nominee as string)).toMatchObject({ phase: "bootstrapping", lastError: expect.stringMatching(/checksum/) });
  });

  it("retries an unreachable URL and never bootstraps", async () => {
    const port = await closedPort();
    const c = await start({ subnet: 223, nodes: three, env: { ...FAST, [`${P}RECOVER_FROM`]: `http://127.0.0.1:${port}/snap.db`, [`${P}RECOVER_SHA256`]: "a".repeat(64) } });
    const [nominee] = await waitFor("three failed attempts on the nominee", () => nonEmpty(logged(c, "recovery failed; will retry", 3)), { timeoutMs: 90_000 });
    expect(logged(c, "recovery failed; will retry")).toEqual([nominee]);
    expect(calls(c, "EtcdRecover")).toEqual([]);
    expect(calls(c, "Bootstrap")).toEqual([]);
    expect(c.world().clusters).toEqual([]);
    expect(String(status(c, nominee as string).lastError)).toMatch(/ECONNREFUSED/);
  });
});

describe("status file and off switch on a simulated cluster", skipWith(skip), () => {
  it("goes through its phases in a happy run, and talosctl read serves it", async () => {
    const c = await start({ subnet: 224, nodes: three, env: FAST });
    expect(await c.waitForAgents(60_000)).toEqual({ a: 0, b: 0, c: 0 });
    const nominee = founder(c);
    const phases = (name: string) => logRecords(node(c, name).agentLog).filter((r) => r.msg === "phase").map((r) => String(r.phase));
    const seen = phases(nominee);
    expect(["waiting", "consenting"]).toContain(seen[0]);
    expect(seen).toContain("consenting");
    expect(seen).toContain("bootstrapping");
    expect(seen.at(-1)).toBe("done");
    // From the nomination on, the phases only move forward.
    const order = ["waiting", "consenting", "nominee", "bootstrapping", "done"];
    const tail = seen.slice(seen.indexOf("bootstrapping")).map((p) => order.indexOf(p));
    expect(tail).toEqual([...tail].sort((x, y) => x - y));
    for (const n of c.nodes) expect(phases(n.spec.name).at(-1), n.spec.name).toBe("done");
    // What `talosctl -n <node> read /var/lib/autobootstrap/status.json` gets: Read with an admin certificate.
    const admin = await agentClient(c.ca, node(c, "a").fake, "os:admin");
    try {
      const file = JSON.parse((await admin.read("/var/lib/autobootstrap/status.json", call())).toString("utf8")) as Record<string, unknown>;
      expect(file).toMatchObject({ version: 1, node: "127.0.224.2", phase: "done", quorum: { needed: 2 } });
    } finally {
      admin.close();
    }
  });

  it("a disabled agent logs one line, exits 0 and calls nothing, workers included", async () => {
    const c = await start({
      subnet: 225,
      nodes: [...three, { name: "w", host: 5, machineType: "worker", bootTime: 50n }],
      env: { ...FAST, [`${P}DISABLED`]: "true", [`${P}QUORUM_NODES`]: "not even valid" },
    });
    expect(await c.waitForAgents(30_000)).toEqual({ a: 0, b: 0, c: 0, w: 0 });
    for (const n of c.nodes) {
      expect(logRecords(n.agentLog).map((r) => r.msg), n.spec.name).toEqual(["disabled: nothing to do"]);
      expect(n.fake.calls, n.spec.name).toEqual([]);
      expect(readdirSync(varLib(c, n.spec.name)), n.spec.name).toEqual([]);
    }
  });
});
