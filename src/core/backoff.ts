// Exponential backoff with full jitter, capped; reset to the base on progress.

export interface Backoff {
  readonly attempt: number;
}

export const initialBackoff: Backoff = { attempt: 0 };

/** nextDelay returns a delay in [base/2, cap] and the next backoff state; random in [0,1). */
export function nextDelay(b: Backoff, baseMs: number, capMs: number, random: number): [number, Backoff] {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(b.attempt, 30));
  const ms = Math.round(ceiling / 2 + (random * ceiling) / 2);
  return [ms, { attempt: b.attempt + 1 }];
}
