// generate draws one schedule from a seed. BUGGIFY-style: rare situations
// (equal boot times, agents that never start, quorum = all, pure one-way cuts,
// huge clock skew) are taken on purpose with a noticeable probability.
import { withFamily } from "./families.js";
import { hex, rng, type Rng } from "./prng.js";
import {
  defaultTiming,
  majority,
  presets,
  type Cut,
  type Family,
  type Faults,
  type NodeSpec,
  type Outage,
  type Schedule,
} from "./schedule.js";

export interface GenerateOptions {
  readonly foreignEtcd?: Schedule["foreignEtcd"];
  /**
   * Where a multi-homed node's second address lies. "anywhere" (default):
   * also below every primary one, and off some peers' routes; "above": always
   * above every primary address (10.0.1.x) and reachable by all.
   */
  readonly extraAddresses?: "above" | "anywhere";
  /** Leave a random minority of control planes dead after the heal. */
  readonly deadMinority?: boolean;
  /** The fault family layered on the base world (default "base": none). */
  readonly family?: Family;
}

const CP_NAMES = ["A", "B", "C", "D", "E", "F", "G"];
// 10.0.0.9 and 10.0.0.10 both appear so string order would pick the wrong one.
const HOSTS = [9, 10, 2, 11, 100, 20, 3, 101, 12, 99];
// Second addresses that are not in HOSTS, some below every primary one.
const LOW_HOSTS = [1, 4, 5, 6, 7, 8, 13];

export function generate(seed: number, opts: GenerateOptions = {}): Schedule {
  const r = rng(seed);
  const n = r.int(1, 7);
  const preset = r.pick(presets);
  const cfg = { ...preset, quorum: r.chance(0.1) ? n : majority(n) };
  const healAt = r.chance(0.1) ? 0 : r.int(10_000, 200_000);
  const hosts = shuffle(r, HOSTS);
  const nodes: NodeSpec[] = [];
  const cpBoot = (i: number): number => {
    if (i > 0 && r.chance(0.2)) return (nodes[r.int(0, i - 1)] as NodeSpec).bootAt; // equal boot times
    if (r.chance(0.15)) return r.int(0, healAt); // late joiner
    return r.int(0, 60_000);
  };
  for (let i = 0; i < n; i++) {
    const name = CP_NAMES[i] as string;
    nodes.push({
      name,
      kind: "cp",
      address: address(r, hosts[i] as number),
      extraAddress: extraAddress(r, i, opts.extraAddresses ?? "anywhere"),
      extraHiddenFrom: [],
      id: hex(32, seed, i, 1),
      bootAt: cpBoot(i),
      agentStarts: !r.chance(0.05),
      ...plain(seed, i),
    });
  }
  const workers = r.int(0, 2);
  for (let i = 0; i < workers; i++) nodes.push(extra(seed, "worker", `W${i + 1}`, `10.0.2.${i + 1}`, r));
  const foreign = r.chance(0.3) ? r.int(1, 2) : 0;
  for (let i = 0; i < foreign; i++) nodes.push(extra(seed, "foreign", `F${i + 1}`, `10.0.3.${i + 1}`, r));
  const cps = nodes.filter((x) => x.kind === "cp").map((x) => x.name);
  const partitions = cuts(r, cps, healAt);
  const crashes = outages(r, cps, healAt, 0.5, [500, 20_000]);
  const reboots = outages(r, cps, healAt, 0.3, [5_000, 90_000]);
  const rates = faults(r);
  const skewSec = r.chance(0.1) ? 10_000_000 : defaultTiming.skewSec;
  // Drawn last, so a seed's world is the same with or without dead nodes.
  const dead = opts.deadMinority === true ? shuffle(r, cps).slice(0, r.int(0, n - cfg.quorum)) : [];
  const base: Schedule = {
    seed,
    family: "base",
    cfg,
    cluster: hex(64, seed, 7),
    nodes: (opts.extraAddresses ?? "anywhere") === "anywhere" ? hideExtras(r, nodes, cps) : nodes,
    cuts: partitions,
    crashes,
    reboots,
    faults: rates,
    timing: { ...defaultTiming, skewSec },
    healAt,
    deadAfterHeal: dead,
    foreignEtcd: opts.foreignEtcd ?? "absent",
    disk: [],
    moves: [],
    powerCycle: null,
    siblingQuorum: 0,
  };
  return withFamily(base, opts.family ?? "base");
}

/** plain: the fault-free defaults of a node's new fields (its own machine binding). */
export function plain(seed: number, i: number): Pick<NodeSpec, "cluster" | "machine" | "quorum" | "neverReadable" | "cloneOf"> {
  return { cluster: 0, machine: hex(64, seed, i, 3), quorum: null, neverReadable: false, cloneOf: null };
}

function extraAddress(r: Rng, i: number, where: "above" | "anywhere"): string | null {
  if (where === "above") return r.chance(0.1) ? `10.0.1.${i + 1}` : null;
  return r.chance(0.3) ? `10.0.${r.pick([0, 1])}.${LOW_HOSTS[i] as number}` : null;
}

/** hideExtras: some peers have no route to a node's second address (a private network). */
function hideExtras(r: Rng, nodes: readonly NodeSpec[], cps: readonly string[]): NodeSpec[] {
  return nodes.map((x) => (x.extraAddress === null ? x : { ...x, extraHiddenFrom: cps.filter((c) => c !== x.name && r.chance(0.3)) }));
}

function address(r: Rng, host: number): string {
  return r.chance(0.05) ? `fd00::${host.toString(16)}` : `10.0.0.${host}`;
}

function extra(seed: number, kind: "worker" | "foreign", name: string, addr: string, r: Rng): NodeSpec {
  const id = hex(32, seed, name.charCodeAt(1), kind.length);
  return { name, kind, address: addr, extraAddress: null, extraHiddenFrom: [], id, bootAt: r.int(0, 60_000), agentStarts: true, ...plain(seed, 50 + name.charCodeAt(1)) };
}

/** Partition episodes: split the control planes in two groups, or cut single pairs, one way or both. */
export function cuts(r: Rng, cps: readonly string[], healAt: number): Cut[] {
  const out: Cut[] = [];
  if (cps.length < 2 || healAt === 0) return out;
  for (let k = r.int(0, 4); k > 0; k--) {
    const start = r.int(0, healAt);
    const end = r.chance(0.3) ? healAt : Math.min(healAt, start + r.int(1_000, 120_000));
    const oneWay = r.chance(0.4);
    const pairs: [string, string][] = [];
    if (r.chance(0.5)) {
      const side = cps.filter(() => r.chance(0.5));
      for (const a of side) for (const b of cps) if (!side.includes(b)) pairs.push([a, b]);
    } else {
      const a = r.pick(cps);
      const b = r.pick(cps.filter((x) => x !== a));
      pairs.push([a, b]);
    }
    for (const [a, b] of pairs) {
      out.push({ from: a, to: b, start, end });
      if (!oneWay) out.push({ from: b, to: a, start, end });
    }
  }
  return out;
}

function outages(r: Rng, cps: readonly string[], healAt: number, p: number, ms: readonly [number, number]): Outage[] {
  const out: Outage[] = [];
  if (healAt === 0) return out;
  while (r.chance(p) && out.length < 6) out.push({ node: r.pick(cps), at: r.int(0, healAt), ms: r.int(ms[0], ms[1]) });
  return out;
}

function faults(r: Rng): Faults {
  const rate = (): number => r.pick([0, 0, 0.01, 0.05, 0.2, 0.5]);
  return {
    loss: rate(),
    stale: rate(),
    staleMaxMs: r.pick([1_000, 10_000, 60_000]),
    dup: rate(),
    unreadable: rate(),
    unknownEtcd: rate(),
    replyLost: rate(),
    crashInPass: r.pick([0, 0, 0.01, 0.05]),
    rebootAfterBootstrap: r.pick([0, 0, 0.3]),
  };
}

export function shuffle<T>(r: Rng, xs: readonly T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}
