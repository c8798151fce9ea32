// Leftovers of crashed runs (namespaces, loops, mappings, temp dirs named
// abt-<id>-…) are removed by hack/netns/sweep.sh, the one implementation that
// CI and people use too. Runs whose owner process is alive are spared.
import { join } from "node:path";
import { runOk } from "./cmd.js";
import { REPO_ROOT } from "./sandbox.js";

export const SWEEP_SCRIPT = join(REPO_ROOT, "hack/netns/sweep.sh");

/** sweepStale returns the sweep's log: one "sweep: <action>" line per thing removed. */
export function sweepStale(): Promise<string> {
  return runOk(["bash", SWEEP_SCRIPT]);
}
