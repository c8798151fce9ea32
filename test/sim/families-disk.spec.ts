// Fault families that change what a node's disk remembers: a wiped or
// reinstalled node, a VM snapshot revert, a power loss between rename and
// the directory fsync, a cloned machine, and a full power cycle of a
// bootstrapped cluster. Split from families-config.spec.ts so vitest runs the
// two on both cores. The table of both files is printed at the end of each.
import { afterAll, describe, expect, it } from "vitest";
import { FAMILY_SEEDS, runFamily } from "./family-check.js";
import { table, type Row } from "./run.js";
import type { Family } from "./schedule.js";

const FAMILIES: readonly Family[] = ["wipe", "rollback", "lost-rename", "clone", "power-cycle"];
const TIMEOUT_MS = 600_000;

const rows: Row[] = [];
afterAll(() => console.log(`fault families, ${FAMILY_SEEDS} seeds each (ours vs the observe-and-elect baseline):\n${table(rows)}`));

describe("simulator fault families: disks and machines", () => {
  for (const family of FAMILIES) {
    it(`${family}: every seed is fixed, refused, or a documented limit`, () => {
      const r = runFamily(family);
      rows.push(...r.rows);
      expect(r.unexplained).toEqual([]);
    }, TIMEOUT_MS);
  }
});
