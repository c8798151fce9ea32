// The CI check of one fault family: our core and the observe-and-elect
// baseline on the same SIM_FAMILY_SEEDS schedules. Our core must end every
// seed either fixed (one Bootstrap, every agent exits 0), refused (a guard
// stopped the agents with a clear reason), or in a documented limit: a
// second Bootstrap only where more ballot ids were ever written than the
// quorum is a majority of (docs/consent.md, "Limits"), or a dead nominee.
import { baseline } from "./baseline.js";
import { ours, oursOldStore } from "./ours.js";
import { runSeeds, type Row, type Summary } from "./run.js";
import type { Family } from "./schedule.js";

export const FAMILY_SEEDS = Number(process.env.SIM_FAMILY_SEEDS ?? 1_000);

export interface FamilyRun {
  readonly rows: readonly Row[];
  /** Every seed of our core that is neither fixed, refused nor a documented limit. */
  readonly unexplained: readonly string[];
}

export function runFamily(family: Family, seeds = FAMILY_SEEDS): FamilyRun {
  const mine = runSeeds(ours, 1, seeds, { family }, 1_000);
  const policies = family === "lost-rename" ? [baseline, oursOldStore] : [baseline];
  const others = policies.map((p) => runSeeds(p, 1, seeds, { family }, 0).row);
  return { rows: [mine.row, ...others], unexplained: unexplained(mine) };
}

function unexplained(s: Summary): string[] {
  const out: string[] = [];
  for (const o of s.failures) {
    const why = o.violation ?? o.livenessFailure;
    if (o.livenessFailure === null && o.doubleBootstrap && o.explained !== null && isDouble(o.violation)) continue;
    out.push(`seed ${o.seed}: ${why} (npm run sim -- --seed ${o.seed} --family ${s.row.family})`);
  }
  return out;
}

/** The only violations a documented limit may cause: the second Bootstrap and the split it makes. */
const isDouble = (v: string | null): boolean =>
  v === null || v.startsWith("Bootstrap succeeded") || v.startsWith("split brain") || v.startsWith("Bootstrap after the power cycle");
