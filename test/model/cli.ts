// npm run model -- --depth N [--variant connected|a-unreachable|both]
//   [--mode folded|plain] [--window W] [--delay MS] [--mutant NAME] [--no-prune]
// Explores every interleaving up to depth N and prints, per level, the new
// states; then depth, states, transitions, max frontier, time, and the first
// violation with its trace. Exits 1 on a violation (expected with --mutant).
import { parseArgs } from "node:util";
import { explore } from "./explore.js";
import { report, summary } from "./format.js";
import { MUTANTS } from "./mutants.js";
import { modelConfig, type Mode, type Variant } from "./state.js";

const { values } = parseArgs({
  options: {
    depth: { type: "string", default: "12" },
    variant: { type: "string", default: "both" },
    mode: { type: "string", default: "folded" },
    window: { type: "string", default: "2" },
    delay: { type: "string", default: "10000" },
    mutant: { type: "string" },
    "no-prune": { type: "boolean", default: false },
  },
});

const variants: Variant[] = values.variant === "both" ? ["connected", "a-unreachable"] : [values.variant as Variant];
for (const v of variants) if (v !== "connected" && v !== "a-unreachable") throw new Error(`--variant ${v}?`);
if (values.mode !== "folded" && values.mode !== "plain") throw new Error(`--mode ${values.mode}?`);
const mutant = values.mutant === undefined ? undefined : MUTANTS[values.mutant];
if (values.mutant !== undefined && mutant === undefined) throw new Error(`--mutant ${values.mutant}? one of ${Object.keys(MUTANTS).join(", ")}`);

let failed = false;
for (const variant of variants) {
  const cfg = modelConfig({ variant, mode: values.mode as Mode, window: Number(values.window), preBootstrapDelayMs: Number(values.delay), prune: !values["no-prune"], ...(mutant ? { step: mutant.step } : {}) });
  console.log(`model: 3 control planes, quorum ${cfg.core.quorum}, variant ${variant}, ${cfg.mode} mode, window ${cfg.window}, pre-bootstrap delay ${cfg.core.preBootstrapDelayMs} ms${cfg.prune ? "" : ", no pruning"}${mutant ? `, MUTANT ${values.mutant}` : ""}`);
  const r = explore(cfg, Number(values.depth), { onLevel: (l, so) => console.log(`  depth ${String(l.depth).padStart(2)}: ${String(l.states).padStart(9)} new states, ${String(so.states).padStart(10)} in all, ${(so.ms / 1000).toFixed(1)} s`) });
  console.log(`  ${summary(r)}`);
  if (r.violation !== null) {
    failed = true;
    console.log(report(cfg, r).replace(/^/gm, "  "));
  }
}
process.exit(failed ? 1 : 0);
