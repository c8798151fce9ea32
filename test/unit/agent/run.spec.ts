// The real run() loop, driven through its edges (RunDeps, TalosPort) by a
// scripted world: no network, no files, virtual time.
import { status } from "@grpc/grpc-js";
import { beforeAll, describe, expect, it } from "vitest";
import { run } from "../../../src/agent/run.js";
import { loadConfig } from "../../../src/config/env.js";
import type { Ballot } from "../../../src/core/types.js";
import { makeCa, type TestCa } from "../talos/pki.js";
import { CLUSTER_NAME, SELF, fakeWorld, messages, peerBallot as peerBallotOf, type FakeNode, type WorldOptions } from "./fake-world.js";

let ca: TestCa;
beforeAll(async () => {
  ca = await makeCa("ed25519");
});

const PEER = "10.0.0.2";
const STRANGER = "10.0.0.3";

/** The environment of a run: these defaults, then `env`. */
function environment(env: Record<string, string>): Record<string, string> {
  return {
    TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "1",
    TALOS_AUTO_BOOTSTRAP_PRE_BOOTSTRAP_DELAY: "0s",
    TALOS_AUTO_BOOTSTRAP_CONSENT_INTERVAL: "1s",
    TALOS_AUTO_BOOTSTRAP_SCAN_INTERVAL: "30s",
    ...env,
  };
}

async function drive(nodes: Record<string, Partial<FakeNode>>, env: Record<string, string> = {}, more: Partial<WorldOptions> = {}) {
  const f = fakeWorld({ ca, nodes, ...more });
  const e = environment(env);
  const code = await run(loadConfig(e), { log: f.log, signal: f.world.signal, dryRun: false, version: "test", env: e }, f.deps);
  return { code, ...f };
}

const peerBallot = (quorum = 2): Ballot => peerBallotOf(ca.fingerprint, quorum);

/** Two control planes, quorum 2: this node is older, the peer an acceptor. */
const pair = (self: Partial<FakeNode> = {}): Record<string, Partial<FakeNode>> => ({
  [SELF]: { bootTime: 1000n, ...self },
  [PEER]: { bootTime: 2000n, acceptor: true, ballot: peerBallot() },
});
const pairEnv = { TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "2", TALOS_AUTO_BOOTSTRAP_PEERS: PEER };

describe("run(): the answers to Bootstrap", () => {
  it("OK: waits for its own etcd to run, then exits 0", async () => {
    const r = await drive({ [SELF]: {} });
    expect(r.code).toBe(0);
    expect(r.world.bootstraps).toHaveLength(1);
    expect(messages(r.world.lines)).toEqual(expect.arrayContaining(["bootstrap executing", "bootstrap accepted; waiting for etcd", "bootstrap succeeded"]));
  });

  it("OK after the consent of a majority (quorum 2: prepare, accept, then Bootstrap)", async () => {
    const r = await drive(pair(), pairEnv);
    expect(r.code).toBe(0);
    expect(r.world.bootstraps).toHaveLength(1);
    // The fresh ballot is first written once recovery is done, here already with the
    // prepare; later writes may only record what the peer's register showed.
    const phases = r.world.saved.map((b) => b.proposal?.phase ?? "none").filter((p, i, all) => p !== all[i - 1]);
    expect(phases).toEqual(["prepare", "accept"]);
    expect(r.nodes.get(PEER)?.ballot?.accepted?.nominee.address).toBe(SELF);
  });

  it("AlreadyExists: the data is there; never calls again, exits 0 once etcd runs", async () => {
    const r = await drive({ [SELF]: { bootstrap: [[status.ALREADY_EXISTS, "etcd data directory is not empty"]] } });
    expect(r.code).toBe(0);
    expect(r.world.bootstraps).toHaveLength(1);
    expect(messages(r.world.lines)).toContain("bootstrap already done");
  });

  it("retry: FailedPrecondition and Unavailable are called again, each after a backoff", async () => {
    const r = await drive({
      [SELF]: {
        bootstrap: [[status.FAILED_PRECONDITION, "time is not in sync yet"], [status.UNAVAILABLE, "apid restarting"], null],
      },
    });
    expect(r.code).toBe(0);
    expect(r.world.bootstraps).toHaveLength(3);
    const [first, second, third] = r.world.bootstraps as [number, number, number];
    expect(second).toBeGreaterThan(first);
    expect(third).toBeGreaterThan(second);
    expect(messages(r.world.lines).filter((m) => m === "bootstrap not possible yet; will retry")).toHaveLength(2);
  });

  it("refused: InvalidArgument on an etcd-less 1.14 node ends the agent with exit 1, without a second call", async () => {
    const r = await drive({ [SELF]: { bootstrap: [[status.INVALID_ARGUMENT, "etcd is not configured, bootstrap is not possible"]] } });
    expect(r.code).toBe(1);
    expect(r.world.bootstraps).toHaveLength(1);
    const refused = r.world.lines.find((l) => l.msg === "bootstrap refused");
    expect(refused?.["reason"]).toContain("etcd is not configured");
  });

  it("refused: Unimplemented (not a control plane on ≥1.13) ends it too", async () => {
    const r = await drive({ [SELF]: { bootstrap: [[status.UNIMPLEMENTED, "bootstrap is only available on control plane nodes"]] } });
    expect([r.code, r.world.bootstraps.length]).toEqual([1, 1]);
  });
});

describe("run(): standing down", () => {
  it("on a worker, exits 0 before touching the network", async () => {
    const r = await drive({ [SELF]: {} }, {}, { machineType: "worker" });
    expect(r.code).toBe(0);
    expect(r.world.calls).toEqual(["loadCredentials"]);
  });

  it("on an init node, exits 0 before touching the network: Talos bootstraps it by itself", async () => {
    const r = await drive({ [SELF]: {} }, {}, { machineType: "init" });
    expect(r.code).toBe(0);
    expect(r.world.calls).toEqual(["loadCredentials"]);
  });

  it("on a node Omni manages (siderolink.api= on the kernel command line), exits 0 before touching the network", async () => {
    const r = await drive({ [SELF]: {} }, {}, { cmdline: "talos.platform=metal siderolink.api=https://omni.example:8090?jointoken=x" });
    expect(r.code).toBe(0);
    expect(r.world.calls).toEqual(["loadCredentials", "kernelCmdline"]);
    expect(messages(r.world.lines)).toContain("managed by Omni: Omni bootstraps this cluster; nothing to do");
  });

  it("with the ballot directory on tmpfs, refuses to vote (exit 1) before touching the network", async () => {
    const r = await drive({ [SELF]: {} }, {}, { varFs: "tmpfs" });
    expect(r.code).toBe(1);
    expect(r.world.calls).toEqual(["loadCredentials", "kernelCmdline", "ballotMount"]);
    expect(messages(r.world.lines)).toContain("refusing to vote: ballot directory not on persistent storage");
  });

  it("beside an init node, exits 0 without a Bootstrap", async () => {
    const r = await drive({ [SELF]: {}, [PEER]: { machineType: "init", ballot: peerBallot() } }, { TALOS_AUTO_BOOTSTRAP_PEERS: PEER });
    expect(r.code).toBe(0);
    expect(r.world.bootstraps).toHaveLength(0);
    expect(r.world.lines.find((l) => l.msg.startsWith("init node present"))?.["init"]).toEqual([PEER]);
  });
});

describe("run(): while waiting", () => {
  it("says once per full scan, in words, what is missing", async () => {
    const nodes = { [SELF]: {}, [PEER]: { ballot: peerBallot(3) }, [STRANGER]: {} };
    // Stopped during the 12th sleep: consent-interval passes between full scans.
    const r = await drive(nodes, { TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "3", TALOS_AUTO_BOOTSTRAP_PEERS: `${PEER},${STRANGER}`, TALOS_AUTO_BOOTSTRAP_SCAN_INTERVAL: "3s" }, { abortAt: 60 });
    expect(r.code).toBe(143);
    const waiting = r.world.lines.filter((l) => l.msg === "waiting");
    expect(waiting.length).toBeGreaterThan(1);
    expect(waiting.length).toBe(r.world.lines.filter((l) => l.msg === "scan result").length);
    expect(waiting[0]?.["why"]).toBe(
      `quorum 3: 2 control planes of this cluster seen (${SELF} (this node), ${PEER}); no ballot yet (agent not running?) on ${STRANGER}`,
    );
    expect(r.world.bootstraps).toHaveLength(0);
  });
});

describe("run(): peers from Talos discovery", () => {
  const env = { TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "2", TALOS_AUTO_BOOTSTRAP_SCAN_CIDR: "10.0.0.0/29" };
  const probed = (calls: readonly string[]) => [...new Set(calls.filter((c) => c.startsWith("probe ")).map((c) => c.slice(6)))].sort();

  it("a control plane discovery lists is read, and with a quorum in view nothing is scanned", async () => {
    const r = await drive({ ...pair(), [STRANGER]: { machineType: "worker" } }, env, { discovery: [PEER] });
    expect(r.code).toBe(0);
    expect(r.world.bootstraps).toHaveLength(1);
    expect(probed(r.world.calls)).toEqual([SELF, PEER]);
    const scans = r.world.lines.filter((l) => l.msg === "scan result");
    expect(scans[0]).toMatchObject({ sources: { discovery: 1, peers: 0, scan: 0 }, scanned: false, discovery: "on" });
  });

  it("without discovery the same cluster is found by the scan", async () => {
    const r = await drive({ ...pair(), [STRANGER]: { machineType: "worker" } }, env);
    expect(r.code).toBe(0);
    expect(probed(r.world.calls)).toEqual(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"]);
    expect(r.world.lines.find((l) => l.msg === "scan result")).toMatchObject({ sources: { discovery: 0, peers: 0, scan: 1 }, scanned: true, discovery: "off" });
  });

  it("fast join: a control plane that registers 5 s in is read at the next consent tick, not at the next 30 s scan", async () => {
    const r = await drive(pair(), { TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "2" }, { discovery: [PEER], discoveryFromMs: 5_000 });
    expect(r.code).toBe(0);
    const firstRead = r.world.calls.indexOf(`ballot ${PEER}`);
    expect(firstRead).toBeGreaterThan(0);
    expect(r.world.bootstraps[0]).toBeLessThan(30_000);
    expect(messages(r.world.lines)).toContain("control plane listed by talos discovery answers; looking now");
  });
});

describe("run(): guards", () => {
  it("refuses to act (exit 1, one line naming both) when a peer has other consent settings", async () => {
    const r = await drive({ [SELF]: {}, [PEER]: { ballot: peerBallot(3) } }, pairEnv);
    expect(r.code).toBe(1);
    const refusal = r.world.lines.find((l) => l.msg === "refusing to act");
    expect(refusal?.["reason"]).toMatch(/QUORUM_NODES=2 CONTROL_PLANES=unset.*QUORUM_NODES=3 CONTROL_PLANES=unset/);
    expect(r.world.bootstraps).toHaveLength(0);
    // Its own ballot is written first, with its own values, so the peer stops too.
    expect(r.world.saved.map((b) => b.settings)).toEqual([{ quorum: 2, controlPlanes: null }]);
    expect(r.world.statuses.at(-1)).toMatchObject({ phase: "refused" });
  });

  it("opens its ballot bound to this machine, and writes a fresh one only once compared with the peers", async () => {
    const r = await drive(pair(), pairEnv);
    expect(r.world.calls.filter((c) => /nodeId|productUuid|loadBallot/.test(c)).slice(0, 3)).toEqual([`nodeId ${SELF}`, "productUuid", "loadBallot"]);
    expect(r.world.saved[0]?.machine).toMatch(/^[0-9a-f]{64}$/);
    expect(r.world.saved[0]?.cluster).toEqual({ ca: ca.fingerprint, ...CLUSTER_NAME });
  });
});

describe("run(): SIGTERM at every await", () => {
  // The longest path: no address at first, own apid down at first, consent of
  // a peer, a Bootstrap that must be retried, then etcd.
  const scenario = { addressFromMs: 1, selfUpFromMs: 30_001 };
  const nodes = () => pair({ bootstrap: [[status.FAILED_PRECONDITION, "bootstrap is not available yet"], null] });

  it("the path it interrupts reaches every kind of await and ends in a Bootstrap", async () => {
    const r = await drive(nodes(), pairEnv, scenario);
    expect(r.code).toBe(0);
    const kinds = new Set(r.world.calls.map((c) => c.split(" ")[0]));
    expect([...kinds].sort()).toEqual(["affiliates", "ballot", "ballotMount", "bootstrap", "clearSpool", "etcd", "etcdData", "kernelCmdline", "loadBallot", "loadCredentials", "nodeId", "probe", "productUuid", "saveBallot", "sleep", "writeStatus"]);
  });

  it("returns 143 at each one, and never starts a Bootstrap or a ballot write afterwards", async () => {
    const total = (await drive(nodes(), pairEnv, scenario)).world.calls.length;
    for (let k = 1; k <= total; k++) {
      const r = await drive(nodes(), pairEnv, { ...scenario, abortAt: k });
      const at = r.world.abortedAt as number;
      const after = r.world.calls.slice(at + 1);
      const where = `aborted during call ${k} (${r.world.calls[at]}), then: ${after.join(", ")}`;
      expect(r.code, where).toBe(143);
      expect(after.filter((c) => c.startsWith("bootstrap") || c.startsWith("saveBallot")), where).toEqual([]);
      // Only calls already started in the same batch may follow: a pass's
      // parallel reads, three of this node (etcd, etcdData, ballot) and three of its one peer.
      expect(after.length, where).toBeLessThanOrEqual(5);
    }
  });
});
