// `npm run bench`: every figure of docs/performance.md, as one table on
// stdout and as JSON in out/bench.json. `--only 1,3` runs some groups.
import { join } from "node:path";
import { REPO_ROOT } from "../test/helpers/sandbox.js";
import { bootstrapRows } from "./bootstrap-latency.js";
import { footprintRows } from "./footprint.js";
import { imageRows } from "./image-size.js";
import { machine, type Machine } from "./lib/machine.js";
import { renderTable, writeJson, type Row } from "./lib/report.js";
import { mintingRows } from "./minting.js";
import { sweepRows } from "./sweep.js";

const OUT = join(REPO_ROOT, "out/bench.json");

interface Group {
  readonly id: string;
  readonly title: string;
  readonly root: boolean;
  readonly run: (m: Machine) => Promise<Row[]> | Row[];
}

const GROUPS: readonly Group[] = [
  { id: "1", title: "sweep of a /24", root: false, run: sweepRows },
  { id: "2", title: "last apid up → Bootstrap", root: true, run: bootstrapRows },
  { id: "3", title: "agent memory and CPU, cold start", root: true, run: footprintRows },
  { id: "4", title: "certificate minting", root: false, run: mintingRows },
  { id: "5", title: "image size", root: false, run: imageRows },
];

const at = process.argv.indexOf("--only");
const only = at >= 0 ? new Set((process.argv[at + 1] ?? "").split(",")) : null;
const m = machine();
const isRoot = process.getuid?.() === 0;
const rows: Row[] = [];
const started = performance.now();
for (const g of GROUPS) {
  if (only !== null && !only.has(g.id)) continue;
  const t0 = performance.now();
  process.stderr.write(`bench: ${g.id} ${g.title}…\n`);
  if (g.root && !isRoot) {
    rows.push({ id: g.id, metric: g.title, config: "", value: null, unit: "", shown: "skipped: needs root", against: "", ratio: null, verdict: "skipped", method: "needs loop devices and mount namespaces", machine: m });
    continue;
  }
  try {
    rows.push(...(await g.run(m)));
  } catch (err) {
    process.stderr.write(`bench: ${g.id} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    rows.push({ id: g.id, metric: g.title, config: "", value: null, unit: "", shown: "FAILED (see stderr)", against: "", ratio: null, verdict: "miss", method: String(err), machine: m });
  }
  process.stderr.write(`bench: ${g.id} done in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
}
console.log(`machine: ${m.cpu}, ${m.cores} cores, ${m.memoryMiB} MiB, Linux ${m.kernel}, Node ${m.node}\n`);
console.log(renderTable(rows));
writeJson(OUT, rows, { generated: new Date().toISOString(), totalSeconds: Math.round((performance.now() - started) / 1000), machine: m });
console.log(`\nwritten: ${OUT}`);
process.exit(rows.some((r) => r.value === null && r.verdict === "miss") ? 1 : 0);
