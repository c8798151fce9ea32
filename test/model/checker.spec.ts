// The model checker checked: it must catch a broken core (injected through
// the step parameter, src/ untouched), its folded mode must reach what the
// brief's plain mode reaches, and pruning blind passes must lose nothing. In
// its own file so vitest runs it beside model.spec.ts on the other core.
import { describe, expect, it } from "vitest";
import { coreKey, type Ballot } from "./adapter.js";
import { explore } from "./explore.js";
import { report, summary } from "./format.js";
import { MUTANTS } from "./mutants.js";
import { checkFolding } from "./simulation.js";
import { ballotId, modelConfig, type ModelState, type Variant } from "./state.js";

/** Both broken cores fail within 8 actions; the bound only stops a regression from running long. */
const MUTANT_DEPTH = 9;
const TIMEOUT_MS = 600_000;

describe("model checker: finds a broken core", () => {
  for (const [name, mutant] of Object.entries(MUTANTS)) {
    it(`reports a violation with its trace when ${mutant.breaks}`, () => {
      const cfg = modelConfig({ variant: "connected", step: mutant.step });
      const r = explore(cfg, MUTANT_DEPTH);
      console.log(`mutant ${name}: ${summary(r)}\n${report(cfg, r)}`);
      expect(r.violation).not.toBeNull();
      expect(report(cfg, r)).toMatch(/^VIOLATION after \d+ actions: /);
    }, TIMEOUT_MS);
  }
});

describe("model checker: its reductions lose nothing", () => {
  // Depth 13 with no pre-bootstrap delay reaches a Bootstrap, its reply and the pass after it.
  const cases = [
    { variant: "connected", delay: 0, depth: 13 },
    { variant: "a-unreachable", delay: 10_000, depth: 11 },
  ] as const;
  for (const c of cases) {
    it(`${c.variant}: every state of the plain model to depth ${c.depth} has a folded image with the same registers and histories`, () => {
      const plain = modelConfig({ variant: c.variant, mode: "plain", preBootstrapDelayMs: c.delay });
      const folded = modelConfig({ variant: c.variant, mode: "folded", preBootstrapDelayMs: c.delay });
      const r = checkFolding(plain, folded, c.depth);
      console.log(`folding, ${c.variant}: ${r.states} plain states, ${r.compared} passes and crashes compared, folds ${JSON.stringify(r.folds)}`);
      expect(r.mismatch).toBeNull();
      expect(r.folds.ticks + r.folds.stale).toBeGreaterThan(0);
      if (c.variant === "connected") expect(r.folds.replies).toBeGreaterThan(0);
      else expect(r.folds.failed).toBeGreaterThan(0);
    }, TIMEOUT_MS);
  }

  it("notices a folded mode that cannot see what plain reads see (a window of 1 against 2)", () => {
    const plain = modelConfig({ variant: "connected", mode: "plain" });
    const narrow = modelConfig({ variant: "connected", mode: "folded", window: 1 });
    expect(checkFolding(plain, narrow, 10).mismatch).toMatch(/cannot choose/);
  });

  for (const variant of ["connected", "a-unreachable"] as Variant[]) {
    it(`${variant}: pruning blind passes reaches the same registers, histories and agent states to depth 7`, () => {
      const project = (s: ModelState): string => `${s.regs.map((r) => ballotId(r.at(-1) as Ballot)).join(",")};${s.agents.map((a) => `${a.status} ${coreKey(a.core, ballotId)}`).join("|")};${s.factsKey}`;
      const reached = (prune: boolean): Set<string> => {
        const out = new Set<string>();
        explore(modelConfig({ variant, prune }), 7, { onState: (s) => out.add(project(s)) });
        return out;
      };
      const full = reached(false);
      const pruned = reached(true);
      expect([...full].filter((p) => !pruned.has(p))).toEqual([]);
    }, TIMEOUT_MS);
  }
});
