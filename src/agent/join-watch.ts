// Fast join: while the loop waits (up to a scan interval when no quorum is in
// view), re-read this node's own Affiliates every consent interval and probe
// the control planes listed but not reached yet. The first one that answers
// ends the wait, so the next pass reads it at once instead of at the next
// scan. Each tick's probes end with the tick: a listed address that drops
// packets costs that tick, never the wait or the pass after it.
import type { PeerFinder } from "./peer-finder.js";

export interface JoinWatchDeps {
  readonly finder: Pick<PeerFinder, "poll" | "watching">;
  /** The loop's own sleep: true after ms, false once the signal aborts. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<boolean>;
  readonly now: () => number;
  /** The consent interval: one local List (and a few probes) per tick. */
  readonly tickMs: number;
}

/** joinWatch wraps sleep: same contract, but it may end early (true) when a control plane joins. */
export function joinWatch(d: JoinWatchDeps): (ms: number, signal: AbortSignal) => Promise<boolean> {
  return async (ms, signal) => {
    const end = d.now() + ms;
    if (!d.finder.watching() || ms <= d.tickMs) return d.sleep(ms, signal);
    let next = d.now() + d.tickMs;
    for (;;) {
      if (!(await d.sleep(Math.max(0, Math.min(next, end) - d.now()), signal))) return false;
      if (d.now() >= end) return true;
      // Ticks keep their cadence: a poll gets what is left of its tick, and of the wait.
      next = d.now() + d.tickMs;
      const window = Math.max(1, Math.ceil(Math.min(next, end) - d.now()));
      if (await d.finder.poll(AbortSignal.any([signal, AbortSignal.timeout(window)]))) return !signal.aborted;
      if (signal.aborted) return false;
      if (!d.finder.watching()) return d.sleep(Math.max(0, end - d.now()), signal);
    }
  };
}
