// explain turns failing outcomes into lines a test failure can show: the seed,
// the reason, the command that replays it, and the tail of its trace.
import { generate, type GenerateOptions } from "./generate.js";
import type { Summary } from "./run.js";
import { simulate } from "./simulate.js";
import type { Policy } from "./world.js";

const TRACE_LINES = 60;

export function explain(s: Summary, policy: Policy, opts: GenerateOptions = {}): string[] {
  const lines = s.failures.map((f) => `seed ${f.seed}: ${f.violation ?? f.livenessFailure} (npm run sim -- --seed ${f.seed} --policy ${policy.name}${opts.family === undefined ? "" : ` --family ${opts.family}`})`);
  const first = s.failures[0];
  if (first !== undefined) {
    const trace = simulate(generate(first.seed, opts), policy, true).trace ?? [];
    lines.push(`trace of seed ${first.seed} (last ${TRACE_LINES} lines):`, ...trace.slice(-TRACE_LINES));
  }
  return lines;
}
