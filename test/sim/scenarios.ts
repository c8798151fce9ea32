// Hand-written schedules for the fixed scenarios. They are data like any
// seed's schedule, so the same simulator, checkers and trace apply.
import { hex } from "./prng.js";
import { defaultTiming, noFaults, presets, type NodeSpec, type Schedule } from "./schedule.js";

const cp = (seed: number, name: string, host: number, bootAt: number): NodeSpec => ({
  name,
  kind: "cp",
  address: `10.0.0.${host}`,
  extraAddress: null,
  id: hex(32, seed, host),
  bootAt,
  agentStarts: true,
});

/**
 * bridge: three control planes, quorum 2; A and C cannot reach each other
 * (both ways, forever), B reaches both. Boot times A < C < B, so A sees
 * {A, B} and is oldest, C sees {B, C} and is oldest: the old agent's split.
 * Seed 0 starts every agent 3 s after boot; other seeds vary the start
 * (1–10 s), the ballot ids (so who wins a tie of rounds) and the jitter.
 */
export function bridge(quorum = 2, seed = 0): Schedule {
  const forever = Number.POSITIVE_INFINITY;
  const agentMs: readonly [number, number] = seed === 0 ? [3_000, 3_000] : [1_000, 10_000];
  return {
    seed,
    cfg: { ...(presets[0] as Schedule["cfg"]), quorum },
    cluster: hex(64, seed, 0),
    nodes: [cp(seed, "A", 1, 0), cp(seed, "C", 3, 1_000), cp(seed, "B", 2, 2_000)],
    cuts: [
      { from: "A", to: "C", start: 0, end: forever },
      { from: "C", to: "A", start: 0, end: forever },
    ],
    crashes: [],
    reboots: [],
    faults: noFaults,
    // Ready at boot, agents up 3 s later: every agent's first pass sees B.
    timing: { ...defaultTiming, syncMs: [0, 0], criMs: [0, 0], agentMs, skewSec: 0 },
    // Every agent has started by then; the partition outlives the "heal".
    healAt: 12_000,
    deadAfterHeal: [],
    foreignEtcd: "absent",
  };
}

/**
 * multiHomedTie: two control planes booted in the same second, quorum 2.
 * B answers at 10.0.0.20 (its own address) and at 10.0.0.5; A at 10.0.0.9.
 * A ranks B under B's lowest address (10.0.0.5 < 10.0.0.9: B is best), while
 * B ranks itself under 10.0.0.20 (> 10.0.0.9: A is best). Found by seed 46728.
 */
export function multiHomedTie(): Schedule {
  const a = cp(7, "A", 9, 0);
  const b = { ...cp(7, "B", 20, 0), extraAddress: "10.0.0.5" };
  return {
    seed: 7,
    cfg: { ...(presets[0] as Schedule["cfg"]), quorum: 2 },
    cluster: hex(64, 7, 0),
    nodes: [a, b],
    cuts: [],
    crashes: [],
    reboots: [],
    faults: noFaults,
    timing: { ...defaultTiming, skewSec: 0 },
    healAt: 0,
    deadAfterHeal: [],
    foreignEtcd: "absent",
  };
}
