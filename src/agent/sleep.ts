// Waits that end at once on SIGTERM: every sleep of the agent goes through here.
import { setTimeout as delay } from "node:timers/promises";

/** sleep resolves true after ms, or false as soon as the signal aborts. */
export async function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
