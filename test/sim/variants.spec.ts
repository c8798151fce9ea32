// Variants of the world, in their own file so vitest runs them beside
// sim.spec.ts on the second core: a minority dead for good after the heal,
// and foreign control planes whose etcd runs.
import { describe, expect, it } from "vitest";
import { ours } from "./ours.js";
import { explain } from "./report.js";
import { runSeeds } from "./run.js";

const SEEDS = Math.min(Number(process.env.SIM_SEEDS ?? 10_000), 2_500);
const TIMEOUT_MS = 600_000;

describe("simulator variants: our core", () => {
  it("with a minority dead for good after the heal: only a dead nominee (documented) blocks", () => {
    const s = runSeeds(ours, 1, SEEDS, { deadMinority: true });
    expect(explain(s, ours, { deadMinority: true })).toEqual([]);
    expect(s.row.splitBrain + s.row.doubleBootstrap + s.row.otherViolations + s.row.livenessFailures).toBe(0);
  }, TIMEOUT_MS);

  // Regression (replay: --seed 14 --foreign-etcd running): a foreign control
  // plane whose ballot read fails used to count as bootstrapped evidence.
  it("ignores the etcd of foreign control planes (as if TLS let them through)", () => {
    const s = runSeeds(ours, 1, 300, { foreignEtcd: "running" });
    expect(s.row.otherViolations).toBe(0);
  });
});
