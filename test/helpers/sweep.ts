// Leftovers of crashed runs (namespaces, loops, mappings, temp dirs named
// abt-<id>-…) are removed by hack/netns/sweep.sh, the one implementation that
// CI and people use too. Runs whose owner process is alive are spared.
import { join } from "node:path";
import { run } from "./cmd.js";
import { REPO_ROOT } from "./sandbox.js";

export const SWEEP_SCRIPT = join(REPO_ROOT, "hack/netns/sweep.sh");

/** sweep.sh's status when it found (and removed) something of a finished run. */
export const SWEEP_FOUND = 3;

export interface SweepResult {
  /** One "sweep: <action>" line per thing removed. */
  readonly log: string;
  /** Something of a finished run was there: sweep.sh exited SWEEP_FOUND. */
  readonly found: boolean;
}

/** sweepStale removes what finished runs left; before a suite, finding some is no error. */
export async function sweepStale(): Promise<SweepResult> {
  const r = await run(["bash", SWEEP_SCRIPT]);
  if (r.code !== 0 && r.code !== SWEEP_FOUND) {
    throw new Error(`${SWEEP_SCRIPT}: exit ${r.code ?? r.signal}: ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return { log: r.stdout, found: r.code === SWEEP_FOUND };
}
