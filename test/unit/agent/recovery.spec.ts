// The real run() loop with an armed recovery and the status file, driven
// through its edges by the scripted world of fake-world.ts.
import { status } from "@grpc/grpc-js";
import { beforeAll, describe, expect, it } from "vitest";
import { run } from "../../../src/agent/run.js";
import { loadConfig } from "../../../src/config/env.js";
import type { Ballot } from "../../../src/core/types.js";
import { SnapshotError } from "../../../src/recovery/errors.js";
import { makeCa, type TestCa } from "../talos/pki.js";
import { SELF, fakeWorld, messages, peerBallot, type FakeNode, type WorldOptions } from "./fake-world.js";

let ca: TestCa;
beforeAll(async () => {
  ca = await makeCa("ed25519");
});

const PEER = "10.0.0.2";
const SNAPSHOT = Buffer.from("etcd snapshot");
const ARMED = {
  TALOS_AUTO_BOOTSTRAP_RECOVER_FROM: "https://backup.example/snap.db?sig=secret",
  TALOS_AUTO_BOOTSTRAP_RECOVER_SHA256: "a".repeat(64),
};

async function drive(nodes: Record<string, Partial<FakeNode>>, env: Record<string, string> = ARMED, more: Partial<WorldOptions> = {}) {
  const f = fakeWorld({ ca, nodes, snapshot: { bytes: SNAPSHOT }, ...more });
  const environment = {
    TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "1",
    TALOS_AUTO_BOOTSTRAP_PRE_BOOTSTRAP_DELAY: "0s",
    TALOS_AUTO_BOOTSTRAP_CONSENT_INTERVAL: "1s",
    TALOS_AUTO_BOOTSTRAP_SCAN_INTERVAL: "30s",
    ...env,
  };
  const config = loadConfig(environment);
  const code = await run(config, { log: f.log, signal: f.world.signal, dryRun: false, version: "test", env: environment }, f.deps);
  const phases = f.world.statuses.map((s) => s.phase);
  return { code, phases, ...f };
}

const count = (xs: readonly string[], x: string) => xs.filter((m) => m === x).length;

describe("run() with an armed recovery", () => {
  it("uploads the verified snapshot, then calls Bootstrap with recover_etcd, and drops the spool", async () => {
    const r = await drive({ [SELF]: {} });
    expect(r.code).toBe(0);
    expect(r.world.uploads).toEqual([SNAPSHOT]);
    expect(r.world.recoverFlags).toEqual([{ recoverEtcd: true, recoverSkipHashCheck: false }]);
    expect(r.world.snapshotCalls).toEqual(["clearSpool", "prepare", "discard"]);
    const order = r.world.calls.filter((c) => /^(prepareSnapshot|etcdRecover|bootstrap)/.test(c)).map((c) => c.split(" ")[0]);
    expect(order).toEqual(["prepareSnapshot", "etcdRecover", "bootstrap"]);
    expect(messages(r.world.lines)).toEqual(expect.arrayContaining(["recovery: uploading snapshot", "recovery: snapshot uploaded", "bootstrap executing", "bootstrap succeeded"]));
    expect(r.phases.at(-1)).toBe("done");
    expect(r.phases).toContain("bootstrapping");
    // The status shows the source without its query (a presigned URL's signature).
    expect(r.world.statuses.at(-1)?.recovery).toBe("https://backup.example/snap.db?…");
    expect(JSON.stringify([r.world.statuses, r.world.lines])).not.toContain("secret");
  });

  it("passes recover_skip_hash_check only when asked", async () => {
    const r = await drive({ [SELF]: {} }, { ...ARMED, TALOS_AUTO_BOOTSTRAP_RECOVER_SKIP_HASH_CHECK: "true" });
    expect(r.world.recoverFlags).toEqual([{ recoverEtcd: true, recoverSkipHashCheck: true }]);
  });

  it("never bootstraps while the snapshot cannot be made ready; retries after a growing backoff", async () => {
    const failures = [new SnapshotError("checksum", "SHA-256 is b…, not the configured a…"), new SnapshotError("download", "ECONNREFUSED"), new SnapshotError("download", "ECONNREFUSED")];
    const r = await drive({ [SELF]: {} }, ARMED, { snapshot: { bytes: SNAPSHOT, failures } });
    expect(r.code).toBe(0);
    expect(count(r.world.snapshotCalls, "prepare")).toBe(4);
    expect(r.world.bootstraps).toHaveLength(1);
    expect(count(messages(r.world.lines), "recovery failed; will retry")).toBe(3);
    // The attempts are backoff-spaced: each gap at least as long as the one before (full jitter at 0.5).
    const at = r.world.calls.flatMap((c, i) => (c === "prepareSnapshot" ? [i] : []));
    const gaps = at.slice(1).map((i, k) => r.world.calls.slice(at[k], i).filter((c) => c.startsWith("sleep")).reduce((ms, c) => ms + Number(c.split(" ")[1]), 0));
    expect(gaps.every((g, k) => k === 0 || g >= (gaps[k - 1] as number))).toBe(true);
    const failed = r.world.statuses.find((s) => String(s.lastError).includes("checksum"));
    expect(failed?.phase).toBe("bootstrapping");
  });

  it("never bootstraps after a failed upload, and uploads again", async () => {
    const r = await drive({ [SELF]: { etcdRecover: [[status.UNAVAILABLE, "connection reset"], null] } });
    expect(r.code).toBe(0);
    expect(r.world.uploads).toHaveLength(1);
    expect(r.world.calls.filter((c) => c.startsWith("etcdRecover"))).toHaveLength(2);
    expect(r.world.bootstraps).toHaveLength(1);
    const firstBootstrap = r.world.calls.findIndex((c) => c.startsWith("bootstrap"));
    expect(r.world.calls.slice(0, firstBootstrap).filter((c) => c.startsWith("etcdRecover"))).toHaveLength(2);
  });

  it("stops (exit 1, status refused) when Talos will never take the upload", async () => {
    const r = await drive({ [SELF]: { etcdRecover: [[status.PERMISSION_DENIED, "not authorized"]] } });
    expect(r.code).toBe(1);
    expect(r.world.bootstraps).toHaveLength(0);
    expect(messages(r.world.lines)).toContain("recovery refused");
    expect(r.world.statuses.at(-1)).toMatchObject({ phase: "refused", lastError: "recovery: upload failed: permission-denied: not authorized" });
  });

  it("retries a Bootstrap that is not possible yet without uploading again", async () => {
    const r = await drive({ [SELF]: { bootstrap: [[status.FAILED_PRECONDITION, "time is not in sync yet"], null] } });
    expect(r.code).toBe(0);
    expect(r.world.uploads).toHaveLength(1);
    expect(r.world.bootstraps).toHaveLength(2);
    expect(r.world.recoverFlags.every((f) => f.recoverEtcd)).toBe(true);
  });

  it("does nothing when the cluster is already bootstrapped", async () => {
    const peer: Ballot = peerBallot(ca.fingerprint, 1);
    const r = await drive({ [SELF]: {}, [PEER]: { etcd: "running", ballot: peer } }, { ...ARMED, TALOS_AUTO_BOOTSTRAP_PEERS: PEER });
    expect(r.code).toBe(0);
    expect(r.world.snapshotCalls).toEqual(["clearSpool"]);
    expect(r.world.uploads).toHaveLength(0);
    expect(r.world.bootstraps).toHaveLength(0);
    expect(r.world.statuses.at(-1)).toMatchObject({ phase: "done", why: `cluster already bootstrapped (${PEER}: etcd running)` });
  });

  it("returns 143 on SIGTERM at every await, and starts no upload, Bootstrap or ballot write afterwards", async () => {
    const nodes = () => ({ [SELF]: { etcdRecover: [[status.UNAVAILABLE, "reset"], null] as FakeNode["etcdRecover"], bootstrap: [[status.FAILED_PRECONDITION, "not yet"], null] as FakeNode["bootstrap"] } });
    const total = (await drive(nodes())).world.calls.length;
    for (let k = 1; k <= total; k++) {
      const r = await drive(nodes(), ARMED, { abortAt: k });
      const at = r.world.abortedAt as number;
      const after = r.world.calls.slice(at + 1);
      const where = `aborted during call ${k} (${r.world.calls[at]}), then: ${after.join(", ")}`;
      expect(r.code, where).toBe(143);
      expect(after.filter((c) => /^(bootstrap|etcdRecover|saveBallot|prepareSnapshot)/.test(c)), where).toEqual([]);
    }
  });
});

describe("run(): the status file", () => {
  it("is written when the status changes, not at every pass", async () => {
    // Own apid down for a while: several passes wait with the same status.
    const r = await drive({ [SELF]: {} }, {}, { selfUpFromMs: 20_000 });
    expect(r.code).toBe(0);
    const passes = r.world.calls.filter((c) => c === `probe ${SELF}`).length;
    expect(r.world.statuses.length).toBeLessThan(passes);
    for (let i = 1; i < r.world.statuses.length; i++) {
      const { updated: _a, ...prev } = r.world.statuses[i - 1] as Record<string, unknown>;
      const { updated: _b, ...cur } = r.world.statuses[i] as Record<string, unknown>;
      expect(cur).not.toEqual(prev);
    }
    expect(r.phases[0]).toBe("waiting");
    expect(r.world.statuses[0]?.why).toMatch(/own apid/);
    expect(r.phases.at(-1)).toBe("done");
    expect(r.world.statuses.at(-1)).toMatchObject({ version: 1, node: SELF, quorum: { seen: 1, needed: 1 }, recovery: null });
  });

  it("counts peers by how they were found", async () => {
    const peer: Ballot = peerBallot(ca.fingerprint, 2);
    const r = await drive({ [SELF]: { bootTime: 1000n }, [PEER]: { bootTime: 2000n, acceptor: true, ballot: peer } }, { TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "2", TALOS_AUTO_BOOTSTRAP_PEERS: PEER });
    expect(r.code).toBe(0);
    expect(r.world.statuses.find((s) => s.phase === "consenting")).toMatchObject({ peers: { discovery: 0, peers: 1, scan: 0 }, quorum: { seen: 2, needed: 2 } });
    expect(messages(r.world.lines).filter((m) => m === "phase").length).toBeGreaterThanOrEqual(3);
  });
});
