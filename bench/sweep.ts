// Row 1: one sweep of a /24 by the agent's own scan() + probe() (real TLS to
// fake apids, a reader cert minted from their CA), in sweep-child.ts.
//   root: network namespaces — k fake nodes, a "dropper" namespace holding d
//     addresses whose tcp/50000 SYNs are dropped (nft), a "filler" holding the
//     r others, which refuse; every address of the /24 is one of ours.
//   always: loopback 127.94.1.0/24 — k fakes, every other address refuses;
//     dead addresses cannot be made on loopback without namespaces.
// Limit: the d dead addresses alone need ⌈d / C⌉ rounds of the timeout T.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startFakeNode } from "../hack/fake-apid/node.js";
import { makeClusterCa, type ClusterCa } from "../hack/fake-apid/pki.js";
import { DROPPER, FILLER } from "../test/helpers/address-plan.js";
import { run } from "../test/helpers/cmd.js";
import { waitFor } from "../test/helpers/deadline.js";
import { createNetwork, type TestNetwork } from "../test/helpers/netns.js";
import { REPO_ROOT } from "../test/helpers/sandbox.js";
import { makeWorkDir, type WorkDir } from "../test/helpers/workdir.js";
import { assertQuiet } from "./lib/loopback.js";
import { scanOverheadRow } from "./scan-overhead.js";
import type { Machine } from "./lib/machine.js";
import type { Row } from "./lib/report.js";
import { fmtMs, median, spread } from "./lib/stats.js";
import type { SweepInput, SweepRun } from "./sweep-child.js";

const K = 3;
const D = 200;
const T_MS = 500;
const CONCURRENCIES = [16, 50, 128] as const;
const REPS = 3;
/** Target: a sweep within 15% of its physical limit. */
const TARGET_RATIO = 1.15;
const CHILD = join(REPO_ROOT, "bench/sweep-child.ts");
const TSX = import.meta.resolve("tsx");
const CHILD_DEADLINE_MS = 300_000;
const LOOPBACK_NET = "127.94.1";

export async function sweepRows(m: Machine): Promise<Row[]> {
  const ca = await makeClusterCa("ed25519");
  const work = makeWorkDir("bench-sweep");
  try {
    const rows: Row[] = [];
    if (process.getuid?.() === 0) rows.push(...(await netnsRows(m, ca, work)));
    else rows.push(skipped(m, "needs root: dead (dropping) hosts need network namespaces"));
    rows.push(await loopbackRow(m, ca, work));
    rows.push(await scanOverheadRow(m));
    return rows;
  } finally {
    work.remove();
  }
}

async function netnsRows(m: Machine, ca: ClusterCa, work: WorkDir): Promise<Row[]> {
  const cps = Array.from({ length: K }, (_, i) => ({ name: `cp${i + 1}` }));
  const net = await createNetwork({ topology: "bridge", prefixLength: { v4: 24 }, hosts: [{ name: "scanner" }, ...cps], droppingSpares: D });
  try {
    const worldDir = work.sub("world");
    for (const cp of cps) await startFakeInNs(net, cp.name, ca, worldDir, work);
    const r = net.plan.hosts.find((h) => h.name === FILLER)?.addresses.length ?? 0;
    const d = net.plan.hosts.find((h) => h.name === DROPPER)?.addresses.length ?? 0;
    const scanner = net.host("scanner");
    const runs = await child(work, { cidr: net.plan.prefixes[0] as string, local: [scanner.address], port: 50000, ca }, (argv) =>
      net.exec(scanner, argv, { timeoutMs: CHILD_DEADLINE_MS }),
    );
    return runs.map((x, i) => {
      const limit = Math.ceil(d / x.concurrency) * T_MS;
      const med = median(x.ms);
      const ratio = med / limit;
      check(x, K, d + r);
      return {
        id: `1${"abc"[i]}`,
        metric: "sweep /24, netns",
        config: `k=${K} r=${r} d=${d}, C=${x.concurrency}${x.concurrency === 50 ? " (default)" : ""}, T=${T_MS} ms`,
        value: med,
        unit: "ms",
        shown: `${fmtMs(med)} (${fmtMs(spread(x.ms).min)}–${fmtMs(spread(x.ms).max)})`,
        against: `⌈d/C⌉·T = ${fmtMs(limit)}`,
        ratio,
        verdict: ratio <= TARGET_RATIO ? "ok" : "miss",
        method:
          `scan(targets(/24)) + probe() from src, run in the scanner's own network namespace (bridge, veth); ${K} fake apids (hack/fake-apid/cli.ts) in their namespaces, ` +
          `d addresses in one namespace with an nft DROP for tcp dport 50000, r in one that refuses; fresh channel pool per sweep, one warm-up sweep, median of ${REPS}; ` +
          `T = SCAN_TIMEOUT ${T_MS} ms (the default is 2 s), target ratio ≤ ${TARGET_RATIO}`,
        machine: m,
        detail: { k: K, r, d, concurrency: x.concurrency, timeoutMs: T_MS, samplesMs: x.ms, limitMs: limit, summary: x.summary },
      } satisfies Row;
    });
  } finally {
    await net.teardown();
  }
}

async function startFakeInNs(net: TestNetwork, name: string, ca: ClusterCa, worldDir: string, work: WorkDir): Promise<void> {
  const host = net.host(name);
  const spec = join(work.path, `${name}.json`);
  writeFileSync(spec, JSON.stringify({ address: host.address, ca: { certPem: ca.certPem, keyPem: ca.keyPem }, machineType: "controlplane", bootTime: "1700000000", talosVersion: "v1.12", worldDir }));
  const p = await net.spawn(host, [process.execPath, "--import", TSX, join(REPO_ROOT, "hack/fake-apid/cli.ts"), "--spec", spec], { logFile: join(work.path, `${name}.log`), cwd: REPO_ROOT });
  await waitFor(`fake apid ${name}`, () => {
    if (p.exitStatus() !== null) throw new Error(`fake apid ${name} exited:\n${p.log()}`);
    return p.log().includes('"event":"listening"') ? true : undefined;
  });
}

async function loopbackRow(m: Machine, ca: ClusterCa, work: WorkDir): Promise<Row> {
  const cidr = `${LOOPBACK_NET}.0/24`;
  assertQuiet(cidr);
  const halt = new AbortController();
  const worldDir = work.sub("world-lo");
  try {
    for (let h = 2; h < 2 + K; h++) {
      await startFakeNode({ address: `${LOOPBACK_NET}.${h}`, ca: { certPem: ca.certPem, keyPem: ca.keyPem }, machineType: "controlplane", bootTime: 1_700_000_000n, talosVersion: "v1.12", worldDir }, { signal: halt.signal });
    }
    const [x] = await child(work, { cidr, local: [`${LOOPBACK_NET}.1`], port: 50000, ca, concurrencies: [50] }, (argv) => run(argv, { timeoutMs: CHILD_DEADLINE_MS }));
    if (x === undefined) throw new Error("no loopback sweep");
    check(x, K, 253 - K);
    const med = median(x.ms);
    return {
      id: "1d",
      metric: "sweep /24, loopback",
      config: `k=${K} r=${253 - K} d=0, C=50, T=${T_MS} ms`,
      value: med,
      unit: "ms",
      shown: `${fmtMs(med)} (${fmtMs(spread(x.ms).min)}–${fmtMs(spread(x.ms).max)})`,
      against: "limit 0 (no dead hosts)",
      ratio: null,
      verdict: "info",
      method:
        `as 1a–c but on ${cidr} in the root namespace, fakes in the bench process, scanner in a child process; loopback cannot hold dead addresses ` +
        `(every 127/8 address answers, refusing at once), so this is the per-probe overhead alone; median of ${REPS}`,
      machine: m,
      detail: { samplesMs: x.ms, summary: x.summary },
    };
  } finally {
    halt.abort();
  }
}

async function child(
  work: WorkDir,
  o: { cidr: string; local: string[]; port: number; ca: ClusterCa; concurrencies?: readonly number[] },
  exec: (argv: readonly string[]) => Promise<{ code: number | null; stdout: string; stderr: string }>,
): Promise<SweepRun[]> {
  const input: SweepInput = {
    caCertPem: o.ca.certPem,
    caKeyPem: o.ca.keyPem,
    cidr: o.cidr,
    local: o.local,
    concurrencies: o.concurrencies ?? CONCURRENCIES,
    timeoutMs: T_MS,
    reps: REPS,
    port: o.port,
  };
  const file = join(work.path, `sweep-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(input));
  const r = await exec([process.execPath, "--import", TSX, CHILD, file]);
  const line = r.stdout.split("\n").find((l) => l.startsWith("SWEEP "));
  if (r.code !== 0 || line === undefined) throw new Error(`sweep child failed (exit ${r.code}):\n${r.stderr}\n${r.stdout}`);
  return (JSON.parse(line.slice("SWEEP ".length)) as { runs: SweepRun[] }).runs;
}

/** A sweep that saw the wrong world measures nothing: refuse it. */
function check(x: SweepRun, peers: number, unreachable: number): void {
  const s = x.summary;
  if (s.controlPlanes !== peers || s.unreachable !== unreachable || s.malformed !== 0 || s.foreign !== 0) {
    throw new Error(`sweep at C=${x.concurrency} saw ${JSON.stringify(s)}; expected ${peers} control planes and ${unreachable} unreachable`);
  }
}

function skipped(m: Machine, why: string): Row {
  return { id: "1a", metric: "sweep /24, netns", config: "", value: null, unit: "ms", shown: "skipped", against: "", ratio: null, verdict: "skipped", method: why, machine: m };
}
