// Rows 3 and 4: the agent process itself. One fake apid answers for the
// agent's own address; the rest of 127.93.0.0/N refuses at once, so a dry run
// sweeps the whole prefix and exits. GNU time gives peak RSS and CPU seconds;
// a shell stamp gives the moment node starts, for the cold start.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startFakeNode, type FakeNode } from "../hack/fake-apid/node.js";
import { makeClusterCa, type ClusterCa } from "../hack/fake-apid/pki.js";
import { run } from "../test/helpers/cmd.js";
import { REPO_ROOT } from "../test/helpers/sandbox.js";
import { makeStateVolume, type StateVolume } from "../test/helpers/state-image.js";
import { talosConfigYaml } from "../test/helpers/talos-config.js";
import { makeWorkDir, type WorkDir } from "../test/helpers/workdir.js";
import { firstLine, parseExecStamp, parseGnuTime, readAgentLog, startAgentIn, waitExit, type Wrapper } from "./lib/agent.js";
import { assertQuiet } from "./lib/loopback.js";
import type { Machine } from "./lib/machine.js";
import type { Row } from "./lib/report.js";
import { fmtMs, median, spread } from "./lib/stats.js";

const NET = "127.93";
const SELF = `${NET}.0.1`;
const SWEEP_DEADLINE_MS = 300_000;
const TIMEOUT = "500ms";

interface Harness {
  readonly ca: ClusterCa;
  readonly work: WorkDir;
  readonly state: StateVolume;
  readonly fake: FakeNode;
  readonly stop: () => Promise<void>;
}

async function harness(): Promise<Harness> {
  assertQuiet(`${NET}.0.0/16`);
  const work = makeWorkDir("bench");
  const ca = await makeClusterCa("ed25519");
  const state = await makeStateVolume({ configYaml: talosConfigYaml({ machineType: "controlplane", caCertPem: ca.certPem, caKeyPem: ca.keyPem }) });
  const halt = new AbortController();
  try {
    const fake = await startFakeNode(
      {
        address: SELF,
        ca: { certPem: ca.certPem, keyPem: ca.keyPem },
        machineType: "controlplane",
        bootTime: 1_700_000_000n,
        talosVersion: "v1.12",
        worldDir: work.sub("world"),
        filesRoot: work.sub("files"),
      },
      { signal: halt.signal },
    );
    const stop = async () => {
      halt.abort();
      await fake.stop();
      await state.teardown();
      work.remove();
    };
    return { ca, work, state, fake, stop };
  } catch (err) {
    halt.abort();
    await state.teardown();
    work.remove();
    throw err;
  }
}

let runs = 0;

async function dryRun(h: Harness, cidr: string, wrapper: Wrapper, nodeFlags: readonly string[] = []) {
  const logFile = join(h.work.path, `agent${runs++}.log`);
  const p = await startAgentIn({
    state: h.state,
    varLibDir: h.work.sub(`files/var/lib/autobootstrap`),
    env: {
      TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "1",
      TALOS_AUTO_BOOTSTRAP_NODE_ADDRESS: SELF,
      TALOS_AUTO_BOOTSTRAP_SCAN_CIDR: cidr,
      TALOS_AUTO_BOOTSTRAP_SCAN_MAX_ADDRESSES: "65536",
      TALOS_AUTO_BOOTSTRAP_SCAN_TIMEOUT: TIMEOUT,
    },
    logFile,
    wrapper,
    args: ["--dry-run"],
    nodeFlags,
  });
  const code = await waitExit(p, SWEEP_DEADLINE_MS);
  const log = readAgentLog(logFile);
  if (code !== 0) throw new Error(`dry run on ${cidr} exited ${code}:\n${log.raw.slice(-3000)}`);
  const result = firstLine(log.lines, "scan result");
  const network = firstLine(log.lines, "network");
  return { log, probed: Number(result.fields["probed"]), sweepMs: result.t - network.t, result };
}


const MEMORY_PREFIXES = [24, 20, 16] as const;
/** A V8 setting that keeps the heap small, measured as an alternative (see docs/performance.md). */
// The flags the extension ships (extension/autobootstrap.yaml NODE_OPTIONS).
const SMALL_HEAP_FLAGS = shippedNodeOptions();

function shippedNodeOptions(): readonly string[] {
  const yaml = readFileSync(join(REPO_ROOT, "extension/autobootstrap.yaml"), "utf8");
  const line = /NODE_OPTIONS=(.*)$/m.exec(yaml);
  if (line?.[1] === undefined) throw new Error("extension/autobootstrap.yaml sets no NODE_OPTIONS");
  return line[1].trim().split(/\s+/);
}
const MEMORY_TARGET_MIB = 10;
const TSX = import.meta.resolve("tsx");

interface MemRun {
  readonly len: number;
  readonly rssKiB: number;
  readonly cpuS: number;
  readonly probed: number;
  readonly sweepMs: number;
}

async function memRun(h: Harness, len: number, flags: readonly string[] = []): Promise<MemRun> {
  const r = await dryRun(h, `${NET}.0.0/${len}`, { kind: "time" }, flags);
  const t = parseGnuTime(r.log.raw);
  return { len, rssKiB: t.maxRssKiB, cpuS: t.userS + t.sysS, probed: r.probed, sweepMs: r.sweepMs };
}

function memoryRows(m: Machine, mem: readonly MemRun[], flagged: readonly MemRun[]): Row[] {
  const base = mem[0]!;
  const method =
    "node dist/autobootstrap.js --dry-run in the test sandbox (STATE on a loop device), SCAN_CIDR=127.93.0.0/N, SCAN_MAX_ADDRESSES=65536, " +
    `SCAN_TIMEOUT=${TIMEOUT}, concurrency 50; every address refuses except the agent's own fake apid; peak RSS = GNU time %M; one run each`;
  const rows: Row[] = mem.map((x, i) => {
    const extraMiB = (x.rssKiB - base.rssKiB) / 1024;
    return {
      id: `3${"abc"[i]}`,
      metric: "agent peak RSS, one sweep",
      config: `/${x.len}: ${x.probed} probes in ${fmtMs(x.sweepMs)}`,
      value: x.rssKiB / 1024,
      unit: "MiB",
      shown: `${(x.rssKiB / 1024).toFixed(1)} MiB` + (x === base ? "" : ` (+${extraMiB.toFixed(1)})`),
      against: x === base ? "baseline" : `< +${MEMORY_TARGET_MIB} MiB over /24`,
      ratio: x === base ? null : extraMiB / MEMORY_TARGET_MIB,
      verdict: x === base ? "info" : extraMiB < MEMORY_TARGET_MIB ? "ok" : "miss",
      method,
      machine: m,
      detail: { ...x },
    };
  });
  const [f24, f16] = [flagged[0]!, flagged[flagged.length - 1]!];
  const fExtra = (f16.rssKiB - f24.rssKiB) / 1024;
  rows.push({
    id: "3d",
    metric: `agent peak RSS as shipped (${SMALL_HEAP_FLAGS.join(" ")})`,
    config: `/16 vs /24 (${(f24.rssKiB / 1024).toFixed(1)} MiB); /16 CPU ${f16.cpuS.toFixed(2)} s`,
    value: f16.rssKiB / 1024,
    unit: "MiB",
    shown: `${(f16.rssKiB / 1024).toFixed(1)} MiB (+${fExtra.toFixed(1)})`,
    against: `< +${MEMORY_TARGET_MIB} MiB over /24`,
    ratio: fExtra / MEMORY_TARGET_MIB,
    verdict: fExtra < MEMORY_TARGET_MIB ? "ok" : "miss",
    method: `${method}; node started with the NODE_OPTIONS of extension/autobootstrap.yaml: ${SMALL_HEAP_FLAGS.join(" ")} (what ships)`,
    machine: m,
    detail: { runs: flagged },
  });
  const big = mem[mem.length - 1]!;
  const marginal = ((big.cpuS - base.cpuS) / (big.probed - base.probed)) * 1000;
  rows.push({
    id: "3e",
    metric: "agent CPU per 1,000 probes",
    config: "refused probes, (/16 − /24) ÷ probes",
    value: marginal,
    unit: "CPU s",
    shown: `${marginal.toFixed(3)} CPU s`,
    against: "",
    ratio: null,
    verdict: "info",
    method: `${method}; CPU = GNU time %U+%S; marginal: (cpu(/16) − cpu(/24)) / (probes(/16) − probes(/24)), so start-up is not counted; whole /16 run ${big.cpuS.toFixed(2)} CPU s`,
    machine: m,
    detail: { runs: mem },
  });
  return rows;
}

/** Heap still in use after a full GC, before and after one /16 sweep: what a sweep leaves behind. */
async function retainedRow(m: Machine, h: Harness): Promise<Row> {
  const caFile = join(h.work.path, "ca.json");
  writeFileSync(caFile, JSON.stringify({ certPem: h.ca.certPem, keyPem: h.ca.keyPem }));
  const cidr = `${NET}.0.0/16`;
  const r = await run([process.execPath, "--expose-gc", "--import", TSX, join(REPO_ROOT, "bench/retained-child.ts"), cidr, SELF, caFile], { timeoutMs: SWEEP_DEADLINE_MS });
  const line = r.stdout.split("\n").find((l) => l.startsWith("RETAINED "));
  if (r.code !== 0 || line === undefined) throw new Error(`retained-child failed (exit ${r.code}):\n${r.stderr}`);
  const x = JSON.parse(line.slice("RETAINED ".length)) as { probed: number; beforeBytes: number; afterBytes: number; peakRssBytes: number };
  const kib = (x.afterBytes - x.beforeBytes) / 1024;
  return {
    id: "3f",
    metric: "heap retained by a /16 sweep",
    config: `${x.probed} probes; heap after GC ${(x.beforeBytes / 2 ** 20).toFixed(1)} MiB before`,
    value: kib,
    unit: "KiB",
    shown: `${kib >= 0 ? "+" : ""}${kib.toFixed(0)} KiB`,
    against: "< 1 MiB (no per-address state)",
    ratio: kib / 1024,
    verdict: kib < 1024 ? "ok" : "miss",
    method:
      "scan() + probe() from src in a child node --expose-gc on 127.93.0.0/16 (all refusing), after a warm-up /24; process.memoryUsage().heapUsed after three full GCs, " +
      "before and after the sweep",
    machine: m,
    detail: { ...x },
  };
}

const COLD_RUNS = 5;

export async function footprintRows(m: Machine): Promise<Row[]> {
  const h = await harness();
  try {
    const mem: MemRun[] = [];
    for (const len of MEMORY_PREFIXES) mem.push(await memRun(h, len));
    const flagged = [await memRun(h, 24, SMALL_HEAP_FLAGS), await memRun(h, 16, SMALL_HEAP_FLAGS)];
    const rows = [...memoryRows(m, mem, flagged), await retainedRow(m, h)];

    const cold: { startMs: number; firstCallMs: number; scanMs: number }[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      const since = h.fake.calls.length;
      const r = await dryRun(h, `${NET}.0.0/28`, { kind: "stamp" });
      const exec = parseExecStamp(r.log.raw);
      const call = h.fake.calls.slice(since).find((c) => c.kind === "call");
      if (call === undefined) throw new Error("the agent never called its own apid");
      cold.push({ startMs: firstLine(r.log.lines, "start").t - exec, firstCallMs: Date.parse(call.at) - exec, scanMs: r.result.t - exec });
    }
    const coldMethod =
      "exec of node in the sandbox (shell stamp, date +%s%N) → pino time of the agent's \"start\" line / first call its own fake apid logged (the first probe: " +
      "credentials read from the raw XFS STATE, reader cert minted, TCP+TLS+HTTP/2, first RPC) / \"scan result\" of a /28; " +
      `median of ${COLD_RUNS}; ms resolution`;
    const coldRow = (id: string, metric: string, pick: (c: (typeof cold)[number]) => number): Row => {
      const xs = cold.map(pick);
      const s = spread(xs);
      return {
        id,
        metric,
        config: `--dry-run, ${COLD_RUNS} runs`,
        value: median(xs),
        unit: "ms",
        shown: `${fmtMs(median(xs))} (${fmtMs(s.min)}–${fmtMs(s.max)})`,
        against: "",
        ratio: null,
        verdict: "info",
        method: coldMethod,
        machine: m,
        detail: { samples: xs },
      };
    };
    rows.push(
      coldRow("4a", "cold start: node exec → log \"start\"", (c) => c.startMs),
      coldRow("4b", "cold start: exec → first probe", (c) => c.firstCallMs),
      coldRow("4c", "cold start: exec → scan result", (c) => c.scanMs),
    );
    return rows;
  } finally {
    await h.stop();
  }
}
