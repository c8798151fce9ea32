// Waits in tests always end: a deadline turns a hang into a clear failure.
import { setTimeout as sleep } from "node:timers/promises";

/** within resolves with p's value, or null once ms pass (the timer is cleared either way). */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | null> {
  const ac = new AbortController();
  const timer = sleep(ms, null, { signal: ac.signal }).catch(() => null);
  try {
    return await Promise.race([p, timer]);
  } finally {
    ac.abort();
  }
}

/** waitFor polls check until it returns a value other than undefined, or throws after timeoutMs. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  { timeoutMs = 30_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
