// Fault families that break what the agents are told or assume about each
// other: one node with another QUORUM_NODES, a quorum that is not a majority,
// control planes added later, addresses that move, a second cluster made
// from the same secrets bundle, and a peer whose ballot is never readable.
import { afterAll, describe, expect, it } from "vitest";
import { FAMILY_SEEDS, runFamily } from "./family-check.js";
import { table, type Row } from "./run.js";
import type { Family } from "./schedule.js";

const FAMILIES: readonly Family[] = ["per-node-quorum", "wrong-quorum", "added-later", "address-move", "same-ca", "unreadable"];
const TIMEOUT_MS = 600_000;

const rows: Row[] = [];
afterAll(() => console.log(`fault families, ${FAMILY_SEEDS} seeds each (ours vs the observe-and-elect baseline):\n${table(rows)}`));

describe("simulator fault families: configuration and network", () => {
  for (const family of FAMILIES) {
    it(`${family}: every seed is fixed, refused, or a documented limit`, () => {
      const r = runFamily(family);
      rows.push(...r.rows);
      expect(r.unexplained).toEqual([]);
    }, TIMEOUT_MS);
  }
});
