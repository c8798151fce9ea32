// What a pass can see: partitions (symmetric or one-way), lost reads, stale
// reads (a version of the peer's register from up to staleMaxMs ago, from its
// history), duplicated reads, unreadable ballots, unknown etcd evidence,
// foreign control planes (another CA, as if TLS let them through), the
// same-CA sibling cluster, and whoever answers at the address the agent's
// shell believes is its own (addresses move).
//
// Where a node looks, and which address it calls its own, is the shell's own
// planning (src/agent/network.ts), run on the node's simulated interfaces.
import { planNetwork } from "../../src/agent/network.js";
import { decodeBallot } from "../../src/ballots/codec.js";
import type { TypedNode } from "../../src/core/init-node.js";
import type { Ballot, BallotRead, EtcdData, EtcdEvidence, MachineType, PeerView, View } from "../../src/core/types.js";
import { targets } from "../../src/discovery/addresses.js";
import { parsePrefix } from "../../src/discovery/prefixes.js";
import { hash, hex } from "./prng.js";
import { etcdData, etcdEvidence, reportedBootTime } from "./talos.js";
import { addressesOf, controlPlanes, cover, holder, reachable, serverKey, type SimNode, type World } from "./world.js";

interface Planned {
  /** The shell's own address (NODE_ADDRESS when fixed, else its lowest). */
  readonly self: string;
  /** Every address a full scan probes (never one of ours). */
  readonly scanned: ReadonlySet<string>;
  /** Our addresses now, `self` included: View.self.addresses. */
  readonly local: readonly string[];
}

const plans = new WeakMap<World, Map<string, Planned>>();

/**
 * plan runs the shell's planNetwork on a node's interfaces now (each address
 * a host prefix: nothing to scan around it), with PEERS listing every address
 * the world ever uses. `self` is the address the shell fixed at agent start
 * (null: pick it now). Cached: addresses change only when they move.
 */
function plan(w: World, n: SimNode, self: string | null): Planned {
  const own = addressesOf(n);
  const key = `${own.join(",")}|${self ?? ""}`;
  const cache = plans.get(w) ?? plans.set(w, new Map()).get(w);
  const known = cache?.get(key);
  if (known !== undefined) return known;
  const peers = [...new Set([...w.nodes.flatMap((m) => [m.spec.address, ...(m.spec.extraAddress === null ? [] : [m.spec.extraAddress])]), ...w.schedule.moves.map((m) => m.to)])];
  const p = planNetwork({ scanCidr: [], peers, nodeAddress: self, scanMaxAddresses: 65_536 }, { addresses: own, prefixes: own.map((a) => parsePrefix(a)) });
  if (p.self === null) throw new Error(`${n.spec.name} has no address`);
  const planned = { self: p.self, scanned: new Set(targets(p.targets)), local: p.targets.local };
  cache?.set(key, planned);
  return planned;
}

/** ownAddress is what the shell picks as our own address at agent start. */
export const ownAddress = (w: World, n: SimNode): string => plan(w, n, null).self;

/** addressesSeen: where a scan of `reader` finds `p` (the second address may be off its routes). */
function addressesSeen(reader: SimNode, p: SimNode, scanned: ReadonlySet<string>): string[] {
  const hidden = p.spec.extraHiddenFrom.includes(reader.spec.name);
  return addressesOf(p).filter((a) => scanned.has(a) && !(hidden && a === p.spec.extraAddress));
}

/** The machine type each node's apid reports: foreign control planes are control planes too. */
const MACHINE_TYPES: Record<SimNode["spec"]["kind"], MachineType> = { cp: "controlplane", init: "init", worker: "worker", foreign: "controlplane" };

/**
 * observe builds the View a pass of `reader` gets now, and the machine types
 * in it, or null when the node at its own address does not answer as a
 * control plane (the shell's "waiting for own apid"; it then re-plans its
 * address).
 */
export function observe(w: World, reader: SimNode): { view: View; nodes: TypedNode[] } | null {
  const selfAt = reader.selfAddress ?? ownAddress(w, reader);
  const me = holder(w, selfAt);
  if (me === null || !me.up || (me.spec.kind !== "cp" && me.spec.kind !== "init")) {
    reader.selfAddress = ownAddress(w, reader);
    return null;
  }
  const planned = plan(w, reader, selfAt);
  const nodes: TypedNode[] = [{ address: selfAt, machineType: MACHINE_TYPES[me.spec.kind] }];
  if (me !== reader) cover(w, "own address answered by another node");
  const f = w.healed ? null : w.schedule.faults;
  const roll = (target: number, salt: number): number => hash(w.schedule.seed, reader.index, reader.passes, target, salt);
  const peers: PeerView[] = [];
  for (const p of w.nodes) {
    if (p.spec.kind === "worker") continue; // the shell keeps control planes only
    if (p.spec.kind === "foreign" && !w.policy.seesForeign) continue;
    if (!reachable(w, reader, p)) {
      if (p.up && reachable(w, p, reader)) cover(w, "one-way cut hides a peer");
      continue;
    }
    // The shell never scans its own addresses, nor the one it believes is its own.
    addressesSeen(reader, p, planned.scanned).forEach((address, k) => {
      nodes.push({ address, machineType: MACHINE_TYPES[p.spec.kind] });
      const copies = f !== null && roll(p.index, 10 + k) < f.dup ? 2 : 1;
      if (copies > 1 || k > 0) cover(w, "same ballot read twice in one pass");
      for (let c = 0; c < copies; c++) {
        const salt = 100 * (k + 1) + 10 * c;
        if (f !== null && roll(p.index, salt) < f.loss) continue;
        const u = roll(p.index, salt + 1);
        peers.push({
          address,
          bootTime: reportedBootTime(p),
          etcd: evidence(w, p, u),
          etcdData: data(w, p, u),
          ballot: read(w, p, (s) => roll(p.index, salt + 2 + s)),
          serverKey: serverKey(w, p),
        });
      }
    });
  }
  // The core must not depend on the order of the scan.
  const order = peers.map((p, i) => ({ p, k: roll(1000 + i, 99) })).sort((a, b) => a.k - b.k);
  const u = roll(reader.index, 7);
  const view: View = {
    now: w.now,
    self: {
      address: selfAt,
      addresses: planned.local,
      bootTime: reportedBootTime(me),
      etcd: evidence(w, me, u),
      etcdData: data(w, me, u),
      // Read back through our own apid: the register of whoever answers there.
      ballot: read(w, me, (s) => (s === 1 ? 1 : roll(reader.index, 8 + s))),
      serverKey: serverKey(w, me),
    },
    peers: order.map((x) => x.p),
  };
  return { view, nodes };
}

function evidence(w: World, n: SimNode, u: number): EtcdEvidence {
  if (!w.healed && u < w.schedule.faults.unknownEtcd) return { kind: "unknown", reason: "EtcdMemberList: deadline exceeded" };
  if (n.spec.kind !== "foreign") return etcdEvidence(n);
  switch (w.schedule.foreignEtcd) {
    case "absent":
      return { kind: "absent", state: "Preparing" };
    case "running":
      return { kind: "running" };
    case "unknown":
      return { kind: "unknown", reason: "foreign etcd" };
  }
}

function data(w: World, n: SimNode, u: number): EtcdData {
  if (!w.healed && u < w.schedule.faults.unknownEtcd) return { kind: "unknown", reason: "List: deadline exceeded" };
  if (n.spec.kind !== "foreign") return etcdData(n);
  return w.schedule.foreignEtcd === "running" ? { kind: "present" } : w.schedule.foreignEtcd === "unknown" ? { kind: "unknown", reason: "foreign" } : { kind: "empty" };
}

/** read is MachineService/Read of the node's ballot file, maybe an old version. */
function read(w: World, p: SimNode, roll: (salt: number) => number): BallotRead {
  const f = w.schedule.faults;
  if (p.spec.neverReadable) return cover(w, "never-readable ballot"), { kind: "unreadable", reason: "Read: permission denied" };
  if (!w.healed && roll(0) < f.unreadable) return { kind: "unreadable", reason: "Read: unavailable" };
  if (p.spec.kind === "foreign") return cover(w, "foreign ballot in a view"), { kind: "ok", ballot: foreignBallot(w, p) };
  const at = !w.healed && roll(1) < f.stale ? w.now - Math.floor(roll(2) * f.staleMaxMs) : w.now;
  let version: string | null = null;
  for (const v of p.ballots) {
    if (v.at > at) break;
    version = v.text;
  }
  if (version !== (p.ballots[p.ballots.length - 1]?.text ?? null)) cover(w, "stale ballot read");
  return version === null ? { kind: "missing" } : { kind: "ok", ballot: decoded(version) };
}

// Each version is decoded once: the codec is exercised, not re-run per read.
const cache = new Map<string, Ballot>();
function decoded(text: string): Ballot {
  let b = cache.get(text);
  if (b === undefined) {
    if (cache.size > 10_000) cache.clear();
    b = decodeBallot(text);
    cache.set(text, b);
  }
  return b;
}

/**
 * foreignBallot is a register of another cluster (another CA) that looks as
 * tempting as possible: a high round, accepted and proposed for one of OUR
 * nodes, and sometimes even one of our ids. Only its cluster differs.
 */
function foreignBallot(w: World, p: SimNode): Ballot {
  const epoch = Math.floor(w.now / 10_000);
  const ours = controlPlanes(w);
  const victim = ours[Math.floor(hash(w.schedule.seed, p.index, epoch, 1) * ours.length)] as SimNode;
  const number = { round: 1 + Math.floor(hash(w.schedule.seed, p.index, epoch, 2) * 1000), id: victim.spec.id };
  const nominee = { id: victim.spec.id, machine: victim.machine, address: victim.address };
  const id = hash(w.schedule.seed, p.index, epoch, 3) < 0.3 ? victim.spec.id : p.spec.id;
  const cluster = { ca: hex(64, w.schedule.seed, 8), name: "cluster-0", endpoint: "https://cp-0.example:6443" };
  return {
    version: 2,
    id,
    machine: p.machine,
    cluster,
    settings: { quorum: w.schedule.cfg.quorum, controlPlanes: w.schedule.cfg.controlPlanes },
    promised: number,
    accepted: { number, nominee },
    proposal: { phase: "accept", number, nominee },
    bootstrapped: false,
    peers: {},
  };
}
