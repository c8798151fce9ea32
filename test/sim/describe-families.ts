// The vitest side of family-check.ts (which the CLI imports too): the fault
// families as tests, shared by families-config.spec.ts and families-disk.spec.ts.
import { afterAll, describe, expect, it } from "vitest";
import { FAMILY_SEEDS, runFamily } from "./family-check.js";
import { table, type Row } from "./run.js";
import type { Family } from "./schedule.js";

const FAMILY_TIMEOUT_MS = 600_000;

/**
 * describeFamilies: one test per family, each requiring every seed of ours to
 * be fixed, refused or a documented limit; the table of all of them (ours
 * and the baseline) is printed at the end.
 */
export function describeFamilies(title: string, families: readonly Family[]): void {
  const rows: Row[] = [];
  afterAll(() => console.log(`fault families, ${FAMILY_SEEDS} seeds each (ours vs the observe-and-elect baseline):\n${table(rows)}`));
  describe(title, () => {
    for (const family of families) {
      it(`${family}: every seed is fixed, refused, or a documented limit`, () => {
        const r = runFamily(family);
        rows.push(...r.rows);
        expect(r.unexplained).toEqual([]);
      }, FAMILY_TIMEOUT_MS);
    }
  });
}
