// Seeded randomness for the simulator; Math.random never appears. Two kinds:
// a stream (splitmix32) that draws the world's schedule once per seed, and a
// hash of coordinates (seed, reader, target, time…) for per-read faults, so a
// read's fate does not depend on how many draws happened before it. That is
// what lets two policies run on the same schedule yet take different paths.

function mix(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** hash maps integer coordinates to [0, 1). */
export function hash(...xs: readonly number[]): number {
  let h = 0x2545f491;
  for (const x of xs) h = mix(h ^ (x | 0) ^ Math.floor(x / 0x100000000));
  return h / 0x100000000;
}

export interface Rng {
  /** A number in [0, 1). */
  next(): number;
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  chance(p: number): boolean;
  pick<T>(xs: readonly T[]): T;
}

export function rng(seed: number): Rng {
  let state = mix(seed | 0);
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    return mix(state) / 0x100000000;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: <T>(xs: readonly T[]): T => {
      if (xs.length === 0) throw new Error("pick from an empty list");
      return xs[Math.floor(next() * xs.length)] as T;
    },
  };
}

/** hex makes a deterministic lowercase hex string of `len` characters. */
export function hex(len: number, ...xs: readonly number[]): string {
  let out = "";
  for (let i = 0; out.length < len; i++) out += mix(Math.floor(hash(...xs, i) * 0x100000000)).toString(16).padStart(8, "0");
  return out.slice(0, len);
}
