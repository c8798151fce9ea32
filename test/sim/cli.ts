// npm run sim -- --seed N [--policy ours|baseline|both] [options]
//   replays one seed and prints its trace (one line per event).
// npm run sim -- --seeds N [--from S] [options]
//   runs seeds S…S+N-1 under both policies, prints the table, writes out/sim.json;
//   exits 1 if our policy had any violation or liveness failure.
// npm run sim -- --families [--seeds N]
//   runs every fault family (N seeds each, default 1000) and prints one table;
//   exits 1 if any seed of ours is neither fixed, refused nor a documented limit.
// options: --family F (a fault family, see schedule.ts FAMILIES; default base),
//   --foreign-etcd absent|running|unknown (what foreign control planes
//   report), --extra-addresses anywhere|above (second addresses of multi-homed
//   nodes), --dead-minority (a minority stays dead after the heal).
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { baseline } from "./baseline.js";
import { runFamily } from "./family-check.js";
import { livenessBound } from "./bound.js";
import { generate, type GenerateOptions } from "./generate.js";
import { ours } from "./ours.js";
import { runSeeds, table } from "./run.js";
import { FAMILIES, type Family, type Schedule } from "./schedule.js";
import { simulate } from "./simulate.js";

const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    seeds: { type: "string" },
    from: { type: "string", default: "1" },
    policy: { type: "string", default: "ours" },
    "foreign-etcd": { type: "string", default: "absent" },
    "extra-addresses": { type: "string", default: "anywhere" },
    "dead-minority": { type: "boolean", default: false },
    family: { type: "string", default: "base" },
    families: { type: "boolean", default: false },
  },
});

const foreign = values["foreign-etcd"];
if (foreign !== "absent" && foreign !== "running" && foreign !== "unknown") throw new Error(`--foreign-etcd ${foreign}?`);
const extra = values["extra-addresses"];
if (extra !== "above" && extra !== "anywhere") throw new Error(`--extra-addresses ${extra}?`);
const family = values.family as Family;
if (!FAMILIES.includes(family)) throw new Error(`--family ${family}? (one of ${FAMILIES.join(", ")})`);
const opts: GenerateOptions = { foreignEtcd: foreign, extraAddresses: extra, deadMinority: values["dead-minority"], family };

if (values.seed !== undefined) replay(Number(values.seed));
else if (values.families) families(Number(values.seeds ?? "1000"));
else many(Number(values.seeds ?? "1000"), Number(values.from));

function families(count: number): void {
  const runs = FAMILIES.filter((f) => f !== "base").map((f) => runFamily(f, count));
  console.log(table(runs.flatMap((r) => r.rows)));
  const bad = runs.flatMap((r) => r.unexplained);
  for (const line of bad.slice(0, 20)) console.log(line);
  if (bad.length > 0) process.exitCode = 1;
}

function replay(seed: number): void {
  const s = generate(seed, opts);
  console.log(header(s));
  const policies = values.policy === "both" ? [ours, baseline] : values.policy === "baseline" ? [baseline] : [ours];
  for (const p of policies) {
    const o = simulate(s, p, true);
    console.log(`\n== ${p.name}, seed ${seed}`);
    console.log((o.trace ?? []).join("\n"));
    console.log(
      `== ${p.name}: ${o.violation ?? "safe"}${o.explained === null ? "" : ` (documented limit: ${o.explained})`}; liveness ${o.livenessFailure ?? o.limitation ?? (o.refused === null ? "ok" : `refused: ${o.refused}`)}; heal→done ${o.healToDoneMs ?? "-"} ms (bound ${o.boundMs} ms); ${o.events} events`,
    );
  }
}

function many(count: number, from: number): void {
  const results = [ours, baseline].map((p) => runSeeds(p, from, count, opts));
  console.log(table(results.map((r) => r.row)));
  const cov = results[0]?.row.coverage ?? {};
  console.log(`\nrare paths taken (ours, seeds): ${Object.entries(cov).sort().map(([k, v]) => `${k}: ${v}`).join("; ")}\n`);
  for (const r of results) {
    for (const f of r.failures.slice(0, 10)) {
      console.log(`${r.row.policy} seed ${f.seed}: ${f.violation ?? f.livenessFailure}  (npm run sim -- --seed ${f.seed} --policy ${r.row.policy})`);
    }
  }
  mkdirSync("out", { recursive: true });
  writeFileSync("out/sim.json", `${JSON.stringify({ from, count, options: opts, rows: results.map((r) => r.row), failures: results.map((r) => ({ policy: r.row.policy, seeds: r.failures.map((f) => ({ seed: f.seed, why: f.violation ?? f.livenessFailure })) })) }, null, 2)}\n`);
  console.log("wrote out/sim.json");
  const mine = results[0]?.row;
  if (mine === undefined || mine.splitBrain + mine.doubleBootstrap + mine.otherViolations + mine.livenessFailures > 0) process.exitCode = 1;
}

function header(s: Schedule): string {
  const nodes = s.nodes.map(
    (n) =>
      `${n.name}(${n.kind}${n.cluster === 0 ? "" : `/cluster${n.cluster}`} ${n.address}${n.extraAddress === null ? "" : `+${n.extraAddress}`} boot@${n.bootAt}${n.agentStarts ? "" : " no-agent"}` +
      `${n.quorum === null ? "" : ` q=${n.quorum}`}${n.neverReadable ? " never-readable" : ""}${n.cloneOf === null ? "" : ` clone-of-${n.cloneOf.node}${n.cloneOf.sameBinding ? "-same-binding" : ""}`})`,
  );
  const cuts = s.cuts.map((c) => `${c.from}↛${c.to}[${c.start},${c.end})`);
  return [
    `seed ${s.seed}: ${nodes.join(" ")}`,
    `config ${JSON.stringify(s.cfg)}; heal at ${s.healAt} ms; liveness bound ${livenessBound(s)} ms`,
    `cuts ${cuts.join(" ") || "-"}`,
    `crashes ${s.crashes.map((c) => `${c.node}@${c.at}+${c.ms}`).join(" ") || "-"}; reboots ${s.reboots.map((c) => `${c.node}@${c.at}+${c.ms}`).join(" ") || "-"}`,
    `faults ${JSON.stringify(s.faults)}; foreign etcd ${s.foreignEtcd}; dead after heal ${s.deadAfterHeal.join(" ") || "-"}`,
    `family ${s.family}: disk ${s.disk.map((d) => `${d.node}@${d.at}:${d.kind}${d.backMs > 0 ? `-${d.backMs}` : ""}`).join(" ") || "-"}; moves ${s.moves.map((m) => `${m.node}@${m.at}→${m.to}`).join(" ") || "-"}; power cycle ${s.powerCycle === null ? "-" : JSON.stringify(s.powerCycle)}`,
  ].join("\n");
}
