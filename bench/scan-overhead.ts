// Row 1e: what scan() itself costs per probe, with a probe that does no I/O
// (answers "refused" after a microtask): the pool, deadlines, abort wiring and
// tally around every real probe.
import type { ProbeResult } from "../src/core/types.js";
import { targets } from "../src/discovery/addresses.js";
import { parsePrefix } from "../src/discovery/prefixes.js";
import { scan } from "../src/discovery/scan.js";
import type { Machine } from "./lib/machine.js";
import type { Row } from "./lib/report.js";
import { median, spread } from "./lib/stats.js";

const CIDR = "10.99.0.0/16"; // never dialled: the probe below does no I/O
const REPS = 5;

export async function scanOverheadRow(m: Machine): Promise<Row> {
  const probe = async (address: string): Promise<ProbeResult> => ({ kind: "refused", address });
  const plan = { prefixes: [parsePrefix(CIDR)], peers: [], local: [] };
  const once = async (): Promise<{ us: number; probed: number }> => {
    const t0 = process.cpuUsage();
    const r = await scan(targets(plan), probe, { concurrency: 50, timeoutMs: 500, signal: new AbortController().signal });
    const c = process.cpuUsage(t0);
    return { us: (c.user + c.system) / r.summary.probed, probed: r.summary.probed };
  };
  await once(); // warm-up
  const xs: number[] = [];
  for (let i = 0; i < REPS; i++) xs.push((await once()).us);
  const med = median(xs);
  return {
    id: "1e",
    metric: "scan() overhead per probe, no I/O",
    config: `${CIDR} (65,534 targets), C=50, probe answers at once`,
    value: med,
    unit: "µs CPU",
    shown: `${med.toFixed(2)} µs CPU (${spread(xs).min.toFixed(2)}–${spread(xs).max.toFixed(2)})`,
    against: "",
    ratio: null,
    verdict: "info",
    method: `scan(targets(${CIDR})) in-process with a probe that resolves "refused" without I/O; process.cpuUsage() per sweep ÷ probes; median of ${REPS} after a warm-up`,
    machine: m,
    detail: { samplesUs: xs },
  };
}
