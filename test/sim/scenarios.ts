// Hand-written schedules for the fixed scenarios. They are data like any
// seed's schedule, so the same simulator, checkers and trace apply.
import { plain } from "./generate.js";
import { hex } from "./prng.js";
import { defaultTiming, noFaults, presets, type NodeSpec, type Schedule } from "./schedule.js";

const cp = (seed: number, name: string, host: number, bootAt: number): NodeSpec => ({
  name,
  kind: "cp",
  address: `10.0.0.${host}`,
  extraAddress: null,
  extraHiddenFrom: [],
  id: hex(32, seed, host),
  bootAt,
  agentStarts: true,
  ...plain(seed, host),
});

/** The fields a hand-written schedule leaves at their fault-free defaults. */
const calm = { family: "base", disk: [], moves: [], powerCycle: null, siblingQuorum: 0 } as const;

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
    ...calm,
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
 * B answers at 10.0.0.20 and at 10.0.0.5; A at 10.0.0.9. Peers keep a node's
 * lowest address, so B must rank itself under 10.0.0.5 too, or each defers
 * to the other and nobody ever proposes (found by seed 46728; the shell now
 * reports the lowest address as its own). `hidden`: A has no route to
 * 10.0.0.5, so A ranks B under 10.0.0.20: both lead, and must still converge.
 */
export function multiHomedTie(hidden = false): Schedule {
  const a = cp(7, "A", 9, 0);
  const b = { ...cp(7, "B", 20, 0), extraAddress: "10.0.0.5", extraHiddenFrom: hidden ? ["A"] : [] };
  return {
    ...calm,
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

/**
 * islands: three control planes that never reach each other. With a quorum
 * that is not a majority (1 of 3) every node decides alone: the checker must
 * see the split; with a majority nobody may bootstrap.
 */
export function islands(quorum: number): Schedule {
  const names = ["A", "B", "C"];
  const cuts = names.flatMap((a) => names.filter((b) => b !== a).map((b) => ({ from: a, to: b, start: 0, end: Number.POSITIVE_INFINITY })));
  return { ...bridge(quorum), cuts };
}

/**
 * initNode: three control planes with our agent, quorum 2, beside a fourth
 * node of machine type init that Talos bootstraps by itself at its first
 * time sync. Time syncs late (20 s), so the agents see the init node long
 * before its etcd runs: without the init-node rule they would bootstrap one
 * of their own and make a second cluster at the sync.
 */
export function initNode(): Schedule {
  const init: NodeSpec = { ...cp(11, "I", 4, 0), kind: "init", agentStarts: false };
  return {
    ...calm,
    seed: 11,
    cfg: { ...(presets[1] as Schedule["cfg"]), quorum: 2 },
    cluster: hex(64, 11, 0),
    nodes: [init, cp(11, "A", 1, 1_000), cp(11, "B", 2, 1_000), cp(11, "C", 3, 1_000)],
    cuts: [],
    crashes: [],
    reboots: [],
    faults: noFaults,
    timing: { ...defaultTiming, syncMs: [20_000, 20_000], criMs: [0, 0], agentMs: [3_000, 3_000], skewSec: 0 },
    healAt: 60_000,
    deadAfterHeal: [],
    foreignEtcd: "absent",
  };
}
