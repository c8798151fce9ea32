// What a pass can see: partitions (symmetric or one-way), lost reads, stale
// reads (a version of the peer's register from up to staleMaxMs ago, from its
// history), duplicated reads, unreadable ballots, unknown etcd evidence, and
// foreign control planes whose ballots belong to another cluster.
//
// Where a node looks, and which address it calls its own, is the shell's own
// planning (src/agent/network.ts), run on the node's simulated interfaces.
import { planNetwork } from "../../src/agent/network.js";
import { decodeBallot } from "../../src/ballots/codec.js";
import type { TypedNode } from "../../src/core/init-node.js";
import type { Ballot, BallotRead, EtcdEvidence, MachineType, PeerView, View } from "../../src/core/types.js";
import { targets } from "../../src/discovery/addresses.js";
import { parsePrefix } from "../../src/discovery/prefixes.js";
import { hash, hex } from "./prng.js";
import { etcdEvidence, reportedBootTime } from "./talos.js";
import { controlPlanes, cover, reachable, type SimNode, type World } from "./world.js";

interface NodeNetwork {
  /** The node's own address, as the shell picks it. */
  readonly self: string;
  /** Every address a full scan of this node probes. */
  readonly scanned: ReadonlySet<string>;
}

const networks = new WeakMap<SimNode, NodeNetwork>();

/**
 * network plans a node's network with the shell's planNetwork: its
 * interfaces hold each of its addresses as a host prefix (/32, /128: nothing
 * to scan around them), and PEERS lists every address of the world, so the
 * scan reaches everyone but the node itself. Planned once: simulated
 * interfaces do not change.
 */
function network(w: World, n: SimNode): NodeNetwork {
  const known = networks.get(n);
  if (known !== undefined) return known;
  const own = addressesOf(n);
  const local = { addresses: own, prefixes: own.map((a) => parsePrefix(a)) };
  const plan = planNetwork({ scanCidr: [], peers: w.nodes.flatMap(addressesOf), nodeAddress: null, scanMaxAddresses: 65_536 }, local);
  if (plan.self === null) throw new Error(`${n.spec.name} has no address`);
  const planned = { self: plan.self, scanned: new Set(targets(plan.targets)) };
  networks.set(n, planned);
  return planned;
}

const addressesOf = (n: SimNode): string[] => (n.spec.extraAddress === null ? [n.spec.address] : [n.spec.address, n.spec.extraAddress]);

/** selfAddress is what the shell reports as our own address. */
export const selfAddress = (w: World, n: SimNode): string => network(w, n).self;

/** addressesSeen: where a scan of `reader` finds `p` (the second address may be off its routes). */
function addressesSeen(w: World, reader: SimNode, p: SimNode): string[] {
  const scanned = network(w, reader).scanned;
  const hidden = p.spec.extraHiddenFrom.includes(reader.spec.name);
  return addressesOf(p).filter((a) => scanned.has(a) && !(hidden && a === p.spec.extraAddress));
}

/** The machine type each node's apid reports: foreign control planes are control planes too. */
const MACHINE_TYPES: Record<SimNode["spec"]["kind"], MachineType> = { cp: "controlplane", init: "init", worker: "worker", foreign: "controlplane" };

/** observe builds the View a pass of `reader` gets now, and the machine types in it. */
export function observe(w: World, reader: SimNode): { view: View; nodes: TypedNode[] } {
  const f = w.healed ? null : w.schedule.faults;
  const roll = (target: number, salt: number): number => hash(w.schedule.seed, reader.index, reader.passes, target, salt);
  const peers: PeerView[] = [];
  const nodes: TypedNode[] = [{ address: selfAddress(w, reader), machineType: MACHINE_TYPES[reader.spec.kind] }];
  for (const p of w.nodes) {
    if (p.spec.kind === "worker") continue; // the shell keeps control planes only
    if (p.spec.kind === "foreign" && !w.policy.seesForeign) continue;
    if (!reachable(w, reader, p)) {
      if (p.up && reachable(w, p, reader)) cover(w, "one-way cut hides a peer");
      continue;
    }
    addressesSeen(w, reader, p).forEach((address, k) => {
      nodes.push({ address, machineType: MACHINE_TYPES[p.spec.kind] });
      const copies = f !== null && roll(p.index, 10 + k) < f.dup ? 2 : 1;
      if (copies > 1 || k > 0) cover(w, "same ballot read twice in one pass");
      for (let c = 0; c < copies; c++) {
        const salt = 100 * (k + 1) + 10 * c;
        if (f !== null && roll(p.index, salt) < f.loss) continue;
        peers.push({ address, bootTime: reportedBootTime(p), etcd: evidence(w, p, roll(p.index, salt + 1)), ballot: read(w, p, (s) => roll(p.index, salt + 2 + s)) });
      }
    });
  }
  // The core must not depend on the order of the scan.
  const order = peers.map((p, i) => ({ p, k: roll(1000 + i, 99) })).sort((a, b) => a.k - b.k);
  const view: View = {
    now: w.now,
    self: { address: selfAddress(w, reader), bootTime: reportedBootTime(reader), etcd: evidence(w, reader, roll(reader.index, 7)) },
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

/** read is MachineService/Read of the peer's ballot file, maybe an old version. */
function read(w: World, p: SimNode, roll: (salt: number) => number): BallotRead {
  const f = w.schedule.faults;
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
 * foreignBallot is a register of another cluster that looks as tempting as
 * possible: a high round, accepted and proposed for one of OUR nodes, and
 * sometimes even one of our ids. Only its cluster fingerprint differs.
 */
function foreignBallot(w: World, p: SimNode): Ballot {
  const epoch = Math.floor(w.now / 10_000);
  const ours = controlPlanes(w);
  const victim = ours[Math.floor(hash(w.schedule.seed, p.index, epoch, 1) * ours.length)] as SimNode;
  const number = { round: 1 + Math.floor(hash(w.schedule.seed, p.index, epoch, 2) * 1000), id: victim.spec.id };
  const nominee = { id: victim.spec.id, address: victim.spec.address };
  const id = hash(w.schedule.seed, p.index, epoch, 3) < 0.3 ? victim.spec.id : p.spec.id;
  return { version: 1, id, cluster: hex(64, w.schedule.seed, 8), promised: number, accepted: { number, nominee }, proposal: { phase: "accept", number, nominee } };
}
