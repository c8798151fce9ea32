// The VOPR-style run: many seeds, each a random world with faults (safety
// phase) then a heal (liveness phase), under our core and under the old
// observe-and-elect agent on the very same schedules. SIM_SEEDS overrides the
// count; a failure names its seed and shows its trace.
import { afterAll, describe, expect, it } from "vitest";
import { baseline } from "./baseline.js";
import { ours } from "./ours.js";
import { explain } from "./report.js";
import { runSeeds, table, type Row } from "./run.js";

const SEEDS = Number(process.env.SIM_SEEDS ?? 10_000);
// Chunks keep each test well under the per-test timeout on a slow runner.
const CHUNK = 2_500;
const TIMEOUT_MS = 600_000;

const chunks: [number, number][] = [];
for (let from = 1; from <= SEEDS; from += CHUNK) chunks.push([from, Math.min(CHUNK, SEEDS - from + 1)]);

const rows: Row[] = [];
afterAll(() => {
  const merged = (policy: string): Row[] => rows.filter((r) => r.policy === policy);
  const sum = (rs: Row[], k: "seeds" | "splitBrain" | "doubleBootstrap" | "otherViolations" | "livenessFailures"): number => rs.reduce((a, r) => a + r[k], 0);
  const lines = ["ours", "baseline"].map((p) => {
    const rs = merged(p);
    return `${p}: ${sum(rs, "seeds")} seeds, split-brain ${sum(rs, "splitBrain")}, two Bootstraps ${sum(rs, "doubleBootstrap")}, other violations ${sum(rs, "otherViolations")}, liveness failures ${sum(rs, "livenessFailures")}`;
  });
  console.log(`${table(rows)}\n${lines.join("\n")}`);
});

describe("simulator: our core", () => {
  for (const [from, count] of chunks) {
    it(`seeds ${from}…${from + count - 1}: one Bootstrap at most, exit 0 only with etcd running, live within the bound`, () => {
      const s = runSeeds(ours, from, count);
      rows.push(s.row);
      expect(explain(s, ours)).toEqual([]);
      expect(s.row.splitBrain + s.row.doubleBootstrap + s.row.otherViolations + s.row.livenessFailures + s.row.refused).toBe(0);
    }, TIMEOUT_MS);
  }
});

describe("simulator: the old observe-and-elect agent, same schedules", () => {
  it("splits the cluster on some seeds", () => {
    const s = runSeeds(baseline, 1, SEEDS);
    rows.push(s.row);
    expect(s.row.splitBrain).toBeGreaterThan(0);
  }, TIMEOUT_MS);
});
