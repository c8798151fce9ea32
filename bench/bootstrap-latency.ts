// Row 2: how long after the last control planes' apids start answering does
// the Bootstrap call come? Three control planes on loopback (quorum 2), the
// real bundle in the sandbox on each; all three agents start at once, cp1's
// fake apid too, and cp2's and cp3's fake apids LATE_MS later — so the quorum
// exists only from that moment. Measured to the first Bootstrap call in the
// fakes' call logs. Without Talos discovery (air-gapped: the scan finds the
// late ones) against scan interval + pre-bootstrap delay; with it (the fakes
// register with a 1 s round trip, as hack/fake-apid does by default) against
// pre-bootstrap delay + 3 s.
import { join } from "node:path";
import { startFakeNode, type FakeNode } from "../hack/fake-apid/node.js";
import { makeClusterCa, type ClusterCa } from "../hack/fake-apid/pki.js";
import { waitFor } from "../test/helpers/deadline.js";
import type { SandboxProcess } from "../test/helpers/sandbox.js";
import { makeStateVolume, type StateVolume } from "../test/helpers/state-image.js";
import { talosConfigYaml } from "../test/helpers/talos-config.js";
import { makeWorkDir } from "../test/helpers/workdir.js";
import { readAgentLog, startAgentIn } from "./lib/agent.js";
import { assertQuiet } from "./lib/loopback.js";
import type { Machine } from "./lib/machine.js";
import type { Row } from "./lib/report.js";
import { fmtMs, median, spread } from "./lib/stats.js";

const NET = "127.0.236";
const CIDR = `${NET}.0/28`;
const LATE_MS = 4_000;
/** Agents in sandboxes on two busy cores: Node's start-up alone has taken over 5 s. */
const AGENTS_RUNNING_DEADLINE_MS = 120_000;
const NODES = [
  { name: "cp1", host: 2, bootTime: 1_700_000_100n, late: false },
  { name: "cp2", host: 3, bootTime: 1_700_000_200n, late: true },
  { name: "cp3", host: 4, bootTime: 1_700_000_300n, late: true },
] as const;

interface Intervals {
  readonly id: string;
  readonly label: string;
  /** Talos cluster discovery on in every fake (default registration delay). */
  readonly discovery: boolean;
  readonly runs: number;
  readonly scanMs: number;
  readonly preBootstrapMs: number;
  /** TALOS_AUTO_BOOTSTRAP_* beyond quorum, addresses and CIDR; empty = defaults. */
  readonly env: Readonly<Record<string, string>>;
}

/** Issue 13's target with discovery: the delay plus three seconds for registration, a probe and the consent rounds. */
const DISCOVERY_SLACK_MS = 3_000;

/** Rows in print order: the discovery row beside the air-gapped one. */
const SETTINGS: readonly Intervals[] = [
  { id: "2a", label: "default intervals, no discovery (air-gapped)", discovery: false, runs: 1, scanMs: 30_000, preBootstrapMs: 10_000, env: {} },
  { id: "2c", label: "default intervals, Talos discovery", discovery: true, runs: Number(process.env["BENCH_RUNS"] ?? 3), scanMs: 30_000, preBootstrapMs: 10_000, env: {} },
  {
    id: "2b",
    label: "short intervals, no discovery",
    discovery: false,
    runs: 3,
    scanMs: 3_000,
    preBootstrapMs: 1_000,
    env: {
      TALOS_AUTO_BOOTSTRAP_SCAN_INTERVAL: "3s",
      TALOS_AUTO_BOOTSTRAP_PRE_BOOTSTRAP_DELAY: "1s",
      TALOS_AUTO_BOOTSTRAP_CONSENT_INTERVAL: "250ms",
      TALOS_AUTO_BOOTSTRAP_FOLLOWER_CHECK_INTERVAL: "1s",
      TALOS_AUTO_BOOTSTRAP_SCAN_TIMEOUT: "500ms",
    },
  },
];

interface Sample {
  readonly latencyMs: number;
  readonly by: string;
  readonly bootstrapCalls: number;
  /** When each late agent's own apid first answered its probe (ms after the fakes came up). */
  readonly followersReadyMs: readonly number[];
  /** When cp1 (the oldest, the leader) first saw a quorum of candidates. */
  readonly leaderSawQuorumMs: number;
}

export async function bootstrapRows(m: Machine): Promise<Row[]> {
  assertQuiet(CIDR);
  const ca = await makeClusterCa("ed25519");
  const yaml = talosConfigYaml({ machineType: "controlplane", caCertPem: ca.certPem, caKeyPem: ca.keyPem });
  const volumes: StateVolume[] = [];
  try {
    for (let i = 0; i < NODES.length; i++) volumes.push(await makeStateVolume({ configYaml: yaml }));
    const rows: Row[] = [];
    const only = process.env["BENCH_ROWS"]?.split(",") ?? null;
    for (const s of SETTINGS) {
      if (only !== null && !only.includes(s.id)) continue;
      const samples: Sample[] = [];
      for (let r = 0; r < s.runs; r++) samples.push(await once(ca, volumes, s));
      rows.push(row(m, s.id, s, samples));
    }
    return rows;
  } finally {
    for (const v of volumes) await v.teardown();
  }
}

function row(m: Machine, id: string, s: Intervals, samples: readonly Sample[]): Row {
  const xs = samples.map((x) => x.latencyMs);
  const bound = s.discovery ? s.preBootstrapMs + DISCOVERY_SLACK_MS : s.scanMs + s.preBootstrapMs;
  const med = median(xs);
  return {
    id,
    metric: "last apid up → Bootstrap call",
    config: `3 CPs, quorum 2, ${s.label} (scan ${fmtMs(s.scanMs)}, pre-bootstrap ${fmtMs(s.preBootstrapMs)}), ${s.runs} run${s.runs > 1 ? "s" : ""}`,
    value: med,
    unit: "ms",
    shown: s.runs > 1 ? `${fmtMs(med)} (${fmtMs(spread(xs).min)}–${fmtMs(spread(xs).max)})` : fmtMs(med),
    against: s.discovery ? `pre-bootstrap + 3 s = ${fmtMs(bound)}` : `scan + pre-bootstrap = ${fmtMs(bound)}`,
    ratio: med / bound,
    verdict: med <= bound ? "ok" : "miss",
    method:
      `hack/fake-apid nodes in the bench process on ${CIDR}, the bundle in the test sandbox per CP (STATE on loop devices); cp1's apid and all agents start; ` +
      `once cp1 has scanned and the others log "waiting for own apid", cp2's and cp3's apids start ${LATE_MS} ms later; from both late apids listening to the \`at\` of the first ` +
      "Bootstrap in the fakes' call logs; agents stopped after it" +
      (s.discovery ? "; every fake has Talos discovery on and lists a node 1 s after it starts (the discovery service round trip)" : "; no fake lists Affiliates, so the agents scan"),
    machine: m,
    detail: { samples, boundMs: bound, env: s.env },
  };
}

async function once(ca: ClusterCa, volumes: readonly StateVolume[], s: Intervals): Promise<Sample> {
  const work = makeWorkDir("bench-boot");
  const halt = new AbortController();
  const fakes: FakeNode[] = [];
  const agents: SandboxProcess[] = [];
  try {
    const worldDir = work.sub("world");
    const fake = async (n: (typeof NODES)[number]) =>
      fakes.push(
        await startFakeNode(
          {
            address: `${NET}.${n.host}`,
            ca: { certPem: ca.certPem, keyPem: ca.keyPem },
            machineType: "controlplane",
            bootTime: n.bootTime,
            talosVersion: "v1.12",
            filesRoot: work.sub(`${n.name}/root`),
            worldDir,
            ...(s.discovery ? { discovery: { enabled: true } } : {}),
          },
          { signal: halt.signal },
        ),
      );
    const early = NODES.filter((n) => !n.late);
    const late = NODES.filter((n) => n.late);
    for (const n of early) await fake(n);
    for (const [i, n] of NODES.entries()) {
      agents.push(
        await startAgentIn({
          state: volumes[i] as StateVolume,
          varLibDir: work.sub(`${n.name}/root/var/lib/autobootstrap`),
          env: {
            TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "2",
            TALOS_AUTO_BOOTSTRAP_CONTROL_PLANES: "3",
            TALOS_AUTO_BOOTSTRAP_NODE_ADDRESS: `${NET}.${n.host}`,
            TALOS_AUTO_BOOTSTRAP_SCAN_CIDR: CIDR,
            ...s.env,
          },
          logFile: join(work.path, `${n.name}.agent.log`),
          wrapper: { kind: "none" },
        }),
      );
    }
    // Late relative to running agents: on a loaded machine Node alone can take
    // seconds to start, and an agent that starts after the apids measures its
    // own start-up, not how it finds a control plane that comes up late.
    await waitFor(
      "every agent running (cp1 scanned once, the others waiting for their apid)",
      () => (NODES.every((n) => readAgentLog(join(work.path, `${n.name}.agent.log`)).lines.some((l) => l.msg === (n.late ? "waiting for own apid" : "scan result"))) ? true : undefined),
      { timeoutMs: AGENTS_RUNNING_DEADLINE_MS, intervalMs: 50 },
    );
    await new Promise((resolve) => setTimeout(resolve, LATE_MS));
    await Promise.all(late.map(fake));
    const up = Date.now();
    const deadlineMs = 3 * (s.scanMs + s.preBootstrapMs) + 60_000;
    const first = await waitFor(
      "the first Bootstrap call",
      () => {
        const calls = fakes.flatMap((f) => f.state.bootstrapCalls().map((c) => ({ at: Date.parse(c.at), by: f.address })));
        return calls.sort((a, b) => a.at - b.at)[0];
      },
      { timeoutMs: deadlineMs, intervalMs: 20 },
    );
    await Promise.all(agents.map((a) => a.stop()));
    const followersReadyMs = late.map((n) => {
      const log = readAgentLog(join(work.path, `${n.name}.agent.log`));
      const ready = log.lines.find((l) => l.msg === "scan result" || l.msg === "election");
      return ready === undefined ? Number.NaN : ready.t - up;
    });
    const leader = readAgentLog(join(work.path, `${early[0]?.name}.agent.log`)).lines.find((l) => l.msg === "election" && l.fields["quorumSeen"] === true);
    const leaderSawQuorumMs = leader === undefined ? Number.NaN : leader.t - up;
    const bootstrapCalls = fakes.reduce((sum, f) => sum + f.state.bootstrapCalls().length, 0);
    return { latencyMs: first.at - up, by: first.by, bootstrapCalls, followersReadyMs, leaderSawQuorumMs };
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
    halt.abort();
    await Promise.all(fakes.map((f) => f.stop()));
    if (process.env["BENCH_KEEP"] === "1") process.stderr.write(`bench: kept ${work.path}\n`);
    else work.remove();
  }
}
