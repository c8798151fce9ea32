// withFamily layers one fault family on a base world. Each family draws from
// its own stream (seed × family), so the base world of a seed is the same in
// every family and under both policies: only the fault differs.
import { hex, rng, type Rng } from "./prng.js";
import { majority, type DiskFault, type Family, type Move, type NodeSpec, type Schedule } from "./schedule.js";

export function withFamily(s: Schedule, family: Family): Schedule {
  if (family === "base") return s;
  const r = rng(s.seed * 31 + FAMILY_SALT[family]);
  // Every family but the power cycle needs time before the heal for its fault to land.
  const healAt = s.healAt === 0 && family !== "power-cycle" ? r.int(30_000, 200_000) : s.healAt;
  const t: Schedule = { ...s, family, healAt };
  const cps = t.nodes.filter((n) => n.kind === "cp");
  switch (family) {
    case "wipe":
    case "rollback":
    case "lost-rename":
      return { ...t, disk: diskFaults(r, family, cps, healAt) };
    case "clone":
      return clone(r, t, cps);
    case "per-node-quorum":
    case "wrong-quorum":
    case "added-later":
      return quorum(r, t, cps, family);
    case "address-move":
      return { ...t, moves: moves(r, cps, healAt), faults: { ...t.faults, replyLost: Math.max(t.faults.replyLost, 0.3) } };
    case "same-ca":
      return sameCa(r, t);
    case "unreadable": {
      const victim = r.pick(cps);
      if (cps.length - 1 < t.cfg.quorum) return t; // it could never be spared: no fault this seed
      return { ...t, nodes: t.nodes.map((n) => (n === victim ? { ...n, neverReadable: true } : n)) };
    }
    case "power-cycle":
      return powerCycle(r, t);
    default: {
      const unreachable: never = family;
      throw new Error(`unknown family ${String(unreachable)}`);
    }
  }
}

const FAMILY_SALT: Readonly<Record<Family, number>> = {
  base: 0,
  wipe: 1,
  rollback: 2,
  "lost-rename": 3,
  clone: 4,
  "per-node-quorum": 5,
  "wrong-quorum": 10,
  "added-later": 11,
  "address-move": 6,
  "same-ca": 7,
  unreadable: 8,
  "power-cycle": 9,
};

function diskFaults(r: Rng, family: "wipe" | "rollback" | "lost-rename", cps: readonly NodeSpec[], healAt: number): DiskFault[] {
  const out: DiskFault[] = [];
  for (let k = r.int(1, 3); k > 0; k--) {
    const at = r.int(5_000, healAt);
    const node = r.pick(cps).name;
    const downMs = r.int(5_000, 60_000);
    if (family === "wipe") out.push({ node, at, downMs, kind: r.chance(0.7) ? "wipe" : "reinstall", backMs: 0 });
    else if (family === "rollback") out.push({ node, at, downMs, kind: "rollback", backMs: r.int(1_000, at) });
    else out.push({ node, at, downMs, kind: "lost-rename", backMs: r.int(0, 3_000) });
  }
  return out;
}

/** clone: a copy of one control plane's disk boots as a new machine, keeping or changing its binding. */
function clone(r: Rng, t: Schedule, cps: readonly NodeSpec[]): Schedule {
  const source = r.pick(cps);
  const bootAt = r.int(source.bootAt + 1_000, Math.max(source.bootAt + 1_000, t.healAt));
  const k: NodeSpec = {
    ...source,
    name: "K",
    address: "10.0.5.1",
    extraAddress: null,
    extraHiddenFrom: [],
    id: hex(32, t.seed, 77, 1),
    machine: hex(64, t.seed, 77, 3),
    bootAt,
    agentStarts: true,
    cloneOf: { node: source.name, sameBinding: r.chance(0.5) },
  };
  return { ...t, nodes: [...t.nodes, k] };
}

/** quorum: one node with another QUORUM_NODES, a quorum that is not a majority, or control planes added later. */
function quorum(r: Rng, t: Schedule, cps: readonly NodeSpec[], variant: "per-node-quorum" | "wrong-quorum" | "added-later"): Schedule {
  const n = cps.length;
  if (n < 2) return t; // one node has nobody to disagree with, and no smaller majority
  if (variant === "per-node-quorum") {
    const victim = r.pick(cps);
    const q = r.chance(0.5) ? Math.max(1, t.cfg.quorum - 1) : Math.min(n + 1, t.cfg.quorum + 1);
    return { ...t, nodes: t.nodes.map((x) => (x === victim ? { ...x, quorum: q === t.cfg.quorum ? q + 1 : q } : x)) };
  }
  if (variant === "wrong-quorum") return { ...t, cfg: { ...t.cfg, quorum: r.int(1, Math.floor(n / 2)), controlPlanes: null } };
  // Designed for n0, with n − n0 more control planes booting later (before or after the bootstrap).
  const n0 = r.int(1, n - 1);
  const late = new Set(cps.slice(n0).map((x) => x.name));
  const stated = r.chance(0.5) ? n0 : null;
  const nodes = t.nodes.map((x) => (late.has(x.name) ? { ...x, bootAt: r.int(Math.floor(t.healAt / 2), t.healAt + 60_000) } : x));
  return { ...t, nodes, cfg: { ...t.cfg, quorum: majority(n0), controlPlanes: stated } };
}

/** moves: DHCP gives a node a new address, sometimes the one another node just gave up. */
function moves(r: Rng, cps: readonly NodeSpec[], healAt: number): Move[] {
  const out: Move[] = [];
  const current = new Map(cps.map((c) => [c.name, c.address]));
  let fresh = 1;
  // Drawn in time order, so each move sees the addresses the earlier ones left.
  const times: number[] = [];
  for (let k = r.int(1, 3); k > 0; k--) times.push(r.int(5_000, healAt));
  for (const at of times.sort((a, b) => a - b)) {
    const node = r.pick(cps).name;
    const other = r.pick(cps.filter((c) => c.name !== node).map((c) => c.name).concat([node]));
    if (other !== node && r.chance(0.6)) {
      // Swap-like: the other node moves away first, and `node` takes its old address.
      const freed = current.get(other) as string;
      const away = `10.0.7.${fresh++}`;
      out.push({ node: other, at, to: away }, { node, at, to: freed });
      current.set(other, away);
      current.set(node, freed);
    } else {
      const to = `10.0.7.${fresh++}`;
      out.push({ node, at, to });
      current.set(node, to);
    }
  }
  return out;
}

/** sameCa: a second cluster made from the same secrets bundle runs its agents on the same network. */
function sameCa(r: Rng, t: Schedule): Schedule {
  const m = r.int(1, 5);
  const siblings: NodeSpec[] = [];
  for (let i = 0; i < m; i++) {
    siblings.push({
      name: `S${i + 1}`,
      kind: "cp",
      address: `10.0.4.${i + 1}`,
      extraAddress: null,
      extraHiddenFrom: [],
      id: hex(32, t.seed, 60 + i, 1),
      bootAt: r.int(0, 60_000),
      agentStarts: true,
      cluster: 1,
      machine: hex(64, t.seed, 60 + i, 3),
      quorum: null,
      neverReadable: false,
      cloneOf: null,
    });
  }
  return { ...t, nodes: [...t.nodes, ...siblings], siblingQuorum: majority(m) };
}

/** powerCycle: once bootstrapped and done, every control plane reboots; etcd stays down for a while. */
function powerCycle(r: Rng, t: Schedule): Schedule {
  const added = r.chance(0.5);
  const cycle = { afterMs: r.int(5_000, 60_000), downMs: r.int(5_000, 60_000), etcdDownMs: r.int(20_000, 300_000), added: added ? "N" : null };
  if (!added) return { ...t, powerCycle: cycle };
  const n: NodeSpec = {
    name: "N",
    kind: "cp",
    address: "10.0.6.1",
    extraAddress: null,
    extraHiddenFrom: [],
    id: hex(32, t.seed, 88, 1),
    bootAt: Number.POSITIVE_INFINITY,
    agentStarts: true,
    cluster: 0,
    machine: hex(64, t.seed, 88, 3),
    quorum: null,
    neverReadable: false,
    cloneOf: null,
  };
  return { ...t, nodes: [...t.nodes, n], powerCycle: cycle };
}
