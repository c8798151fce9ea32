// How a suite or test says it cannot run here, and why. The reason travels in
// the test's meta to test/helpers/skip-reporter.ts, which prints one line per
// skipped test and, under CI, fails the run unless test/allowed-skips.txt
// lists it. `describe.skipIf(cond)` alone carries no reason: use this.
//   describe("spawnInSandbox()", skipWith(skipReason(["netns"])), () => { … })
import type { TestOptions } from "vitest";

declare module "vitest" {
  interface TaskMeta {
    /** Why this test was skipped, set by skipWith(). */
    skipReason?: string;
  }
}

/** skipWith(null) runs; skipWith("needs root …") skips with that reason. */
export function skipWith(reason: string | null): TestOptions {
  return reason === null ? {} : { skip: true, meta: { skipReason: reason } };
}
