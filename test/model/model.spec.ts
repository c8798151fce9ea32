// Issue 11, item 7: the exhaustive check of the core, in CI. Every
// interleaving of reads, passes of the real step(), crash-restarts, Bootstrap
// replies and timer expiries of three control planes, up to MODEL_DEPTH
// actions, in both variants. The depth is what fits in about two minutes on
// the 2 shared cores of CI (README: figures); `npm run model -- --depth N`
// goes deeper.
import { describe, expect, it } from "vitest";
import { explore } from "./explore.js";
import { report, summary } from "./format.js";
import { modelConfig, type ModelState, type Variant } from "./state.js";

const DEPTH = Number(process.env.MODEL_DEPTH ?? 9);
const TIMEOUT_MS = 900_000;

describe("model checker: the real step() of three control planes", () => {
  for (const variant of ["connected", "a-unreachable"] as Variant[]) {
    it(`${variant}: every interleaving to depth ${DEPTH} has one nominee at most and one node sent Bootstrap at most`, () => {
      const cfg = modelConfig({ variant });
      // Proof that the bound is deep enough to matter: a Bootstrap, and a preempted proposal.
      const seen = { bootstrap: 0, preempted: 0 };
      const onState = (s: ModelState): void => {
        if (s.facts.bootstrapped.length > 0) seen.bootstrap += 1;
        if (s.agents.some((a) => a.core.abandoned !== null)) seen.preempted += 1;
      };
      const r = explore(cfg, DEPTH, { onState });
      console.log(`model, ${variant}: ${summary(r)}; states with a Bootstrap ${seen.bootstrap}, with a preempted proposal ${seen.preempted}`);
      expect(report(cfg, r)).toBe("");
      expect(r.depth).toBe(DEPTH);
      expect(seen.bootstrap).toBeGreaterThan(0);
      expect(seen.preempted).toBeGreaterThan(0);
    }, TIMEOUT_MS);
  }
});
