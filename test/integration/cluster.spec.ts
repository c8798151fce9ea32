// The real bundle against the simulated loopback cluster, with Talos's fixed
// paths (STATE on a loop device, /var/lib/autobootstrap), one scenario per
// subnet. Root is needed for loop devices and mount namespaces.
//
// Which node founds the cluster depends on timing (whose ballot it had read
// when it proposed). A test names the founder only when the quorum is every
// agent that can vote, so a proposer has seen them all; otherwise it checks
// the property: one cluster, founded by the best candidate in its view.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startLocalCluster, type LocalCluster, type LocalClusterOptions } from "../../hack/local-cluster/cluster.js";
import { logRecords } from "../helpers/agent-log.js";
import { founderProblems } from "../helpers/founder.js";
import { skipReason } from "../helpers/preflight.js";
import { skipWith } from "../helpers/skips.js";

const skip = skipReason(["loop", "xfs", "sandbox", "node"]);

const FAST = {
  TALOS_AUTO_BOOTSTRAP_SCAN_INTERVAL: "2s",
  TALOS_AUTO_BOOTSTRAP_CONSENT_INTERVAL: "200ms",
  TALOS_AUTO_BOOTSTRAP_FOLLOWER_CHECK_INTERVAL: "500ms",
  TALOS_AUTO_BOOTSTRAP_PRE_BOOTSTRAP_DELAY: "500ms",
  TALOS_AUTO_BOOTSTRAP_SCAN_TIMEOUT: "500ms",
};

let cluster: LocalCluster | null = null;
afterEach(async () => {
  await cluster?.teardown();
  cluster = null;
});

async function run(o: LocalClusterOptions, deadlineMs = 60_000) {
  cluster = await startLocalCluster(o);
  const codes = await cluster.waitForAgents(deadlineMs);
  const logs = Object.fromEntries(cluster.nodes.map((n) => [n.spec.name, readLog(n.agentLog)]));
  return { codes, world: cluster.world(), bootstraps: cluster.bootstrapsOk(), logs, cluster };
}

function readLog(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

const cp = (name: string, host: number, bootTime: bigint) => ({ name, host, machineType: "controlplane" as const, bootTime });

/** The one founder (by name), checked to have been the best candidate in its view whenever it proposed. */
function bestFounder(c: LocalCluster, quorum: number): string {
  const clusters = c.world().clusters;
  expect(clusters, "etcd clusters").toHaveLength(1);
  const founder = c.nodes.find((n) => n.address === clusters[0])?.spec.name ?? `?${clusters[0]}`;
  const truth = c.nodes.map((n) => ({
    name: n.spec.name,
    addresses: [n.address],
    bootTime: n.spec.bootTime,
    controlPlane: n.spec.machineType === "controlplane",
    ours: n.spec.foreign !== true,
    records: logRecords(n.agentLog),
  }));
  expect(founderProblems(truth, founder, quorum), `${founder}: the best candidate in view whenever it proposed`).toEqual([]);
  return founder;
}

describe("agents on a simulated cluster", skipWith(skip), () => {
  it("bootstraps exactly once, on the best control plane in view, and every agent exits 0", async () => {
    const r = await run({
      subnet: 210,
      nodes: [cp("a", 2, 300n), cp("b", 3, 100n), cp("c", 4, 200n), { name: "w", host: 5, machineType: "worker", bootTime: 50n }],
      env: { ...FAST, TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "2", TALOS_AUTO_BOOTSTRAP_CONTROL_PLANES: "3" },
    });
    expect(r.codes).toEqual({ a: 0, b: 0, c: 0, w: 0 });
    expect(r.bootstraps).toBe(1);
    // b is the oldest, but c founds if it proposed before it had read b's ballot.
    expect(["b", "c"]).toContain(bestFounder(r.cluster, 2));
    // No key material in logs or in the files the agents wrote.
    for (const [name, log] of Object.entries(r.logs)) expect(log, name).not.toMatch(/PRIVATE KEY/);
    for (const n of r.cluster.nodes) {
      const dir = join(r.cluster.dir, n.spec.name, "root/var/lib/autobootstrap");
      for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f), "utf8")).not.toMatch(/PRIVATE KEY|BEGIN/);
    }
    // The worker did nothing on the network.
    expect(r.logs.w).toMatch(/not a control plane/);
    expect(r.logs.w).not.toMatch(/scan result/);
  });

  it("does not bootstrap a cluster that already runs etcd", async () => {
    const r = await run({
      subnet: 211,
      nodes: [cp("a", 2, 100n), cp("b", 3, 200n), cp("c", 4, 300n)],
      alreadyBootstrappedBy: 4,
      env: { ...FAST, TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "2" },
    });
    expect(r.codes).toEqual({ a: 0, b: 0, c: 0 });
    expect(r.bootstraps).toBe(0);
    expect(r.world.clusters).toEqual(["127.0.211.4"]);
    expect(r.logs.a).toMatch(/cluster already bootstrapped/);
  });

  it("never counts a node of another cluster, even the oldest", async () => {
    const r = await run({
      subnet: 212,
      nodes: [
        { name: "x", host: 2, machineType: "controlplane", bootTime: 1n, foreign: true },
        cp("a", 3, 200n),
        cp("b", 4, 100n),
      ],
      env: { ...FAST, TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "2" },
    });
    expect(r.codes).toEqual({ a: 0, b: 0 });
    // Quorum 2 of our 2: b leads whatever the timing; x is never a candidate.
    expect(r.world.clusters).toEqual(["127.0.212.4"]);
    expect(bestFounder(r.cluster, 2)).toBe("b");
    const scans = r.logs.a?.split("\n").filter((l) => l.includes('"scan result"')) ?? [];
    expect(scans.length).toBeGreaterThan(0);
    for (const s of scans) {
      expect(JSON.parse(s).foreign).toBe(1);
      expect(JSON.parse(s).controlPlanes).toBe(1);
    }
    expect(r.logs.a).not.toMatch(/127\.0\.212\.2"[^}]*bootTime/);
  });

  it("prefers 10.x.x.9 over .10 when boot times are equal (numeric order)", async () => {
    // Quorum 3 of 3: nobody proposes before it has seen all three, so the order alone picks the founder.
    const r = await run({
      subnet: 213,
      nodes: [cp("ten", 10, 100n), cp("nine", 9, 100n), cp("old", 11, 100n)],
      env: { ...FAST, TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "3", TALOS_AUTO_BOOTSTRAP_CONTROL_PLANES: "3" },
    });
    expect(r.codes).toEqual({ ten: 0, nine: 0, old: 0 });
    expect(r.world.clusters).toEqual(["127.0.213.9"]);
    expect(bestFounder(r.cluster, 3)).toBe("nine");
  });

  it("a late joiner finds the cluster bootstrapped and exits 0", async () => {
    const r = await run({
      subnet: 214,
      nodes: [cp("a", 2, 100n), cp("b", 3, 200n), { ...cp("late", 4, 50n), agentDelayMs: 8_000 }],
      env: { ...FAST, TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "2", TALOS_AUTO_BOOTSTRAP_CONTROL_PLANES: "3" },
    });
    expect(r.codes).toEqual({ a: 0, b: 0, late: 0 });
    expect(r.bootstraps).toBe(1);
    // Until late comes, a quorum needs both a and b: b never leads while it sees a.
    expect(r.world.clusters).toEqual(["127.0.214.2"]);
    expect(bestFounder(r.cluster, 2)).toBe("a");
    expect(r.logs.late).toMatch(/cluster already bootstrapped/);
  });

  it("refuses a corrupt config.yaml clearly, and the others still bootstrap once", async () => {
    const r = await run({
      subnet: 215,
      nodes: [{ ...cp("bad", 2, 50n), corruptConfig: true }, cp("a", 3, 100n), cp("b", 4, 200n)],
      env: { ...FAST, TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "2" },
    });
    expect(r.codes).toEqual({ bad: 1, a: 0, b: 0 });
    expect(r.logs.bad).toMatch(/"kind":"config-invalid"/);
    expect(r.bootstraps).toBe(1);
    // bad never votes, so the quorum is a and b together: a leads whatever the timing.
    expect(r.world.clusters).toEqual(["127.0.215.3"]);
  });

  it("reads config.yaml from /system/state on Talos ≤ 1.9 (STATE mounted)", async () => {
    const r = await run({
      subnet: 216,
      nodes: [{ ...cp("a", 2, 100n), stateMode: "mounted", talosVersion: "v1.9" }],
      env: { ...FAST, TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "1", TALOS_AUTO_BOOTSTRAP_CONTROL_PLANES: "1" },
    });
    expect(r.codes).toEqual({ a: 0 });
    expect(r.logs.a).toMatch(/"source":"\/system\/state\/config.yaml"/);
    expect(r.world.clusters).toEqual(["127.0.216.2"]);
  });

  it("leaves a cluster with an init node to Talos (init self-bootstraps)", async () => {
    const r = await run({
      subnet: 218,
      nodes: [{ name: "i", host: 2, machineType: "init", bootTime: 300n }, cp("a", 3, 100n), cp("b", 4, 200n)],
      env: { ...FAST, TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "2" },
    });
    expect(r.codes).toEqual({ i: 0, a: 0, b: 0 });
    expect(r.bootstraps).toBe(0);
    expect(r.logs.i).toMatch(/init node: Talos bootstraps it by itself/);
    expect(r.logs.a).toMatch(/init node present/);
  });

  it("--dry-run prints who would lead and calls nothing", async () => {
    const r = await run({
      subnet: 217,
      nodes: [cp("a", 2, 300n), cp("b", 3, 100n)],
      env: { ...FAST, TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "2" },
      argv: ["--dry-run"],
    });
    expect(r.codes).toEqual({ a: 0, b: 0 });
    expect(r.bootstraps).toBe(0);
    expect(r.logs.a).toMatch(/"leader":"127.0.217.3".*dry run: would nominate/);
    const dir = join(r.cluster.dir, "a", "root/var/lib/autobootstrap");
    expect(readdirSync(dir)).toEqual([]);
  });
});
