// What a pass can see: partitions (symmetric or one-way), lost reads, stale
// reads (a version of the peer's register from up to staleMaxMs ago, from its
// history), duplicated reads, unreadable ballots, unknown etcd evidence, and
// foreign control planes whose ballots belong to another cluster.
import { decodeBallot } from "../../src/ballots/codec.js";
import { compareAddresses } from "../../src/core/address.js";
import type { Ballot, BallotRead, EtcdEvidence, PeerView, View } from "../../src/core/types.js";
import { hash, hex } from "./prng.js";
import { etcdEvidence, reportedBootTime } from "./talos.js";
import { controlPlanes, cover, reachable, type SimNode, type World } from "./world.js";

/**
 * selfAddress is what the shell reports as our own address: the lowest of
 * the node's addresses, the one peers keep when they reach it on several.
 */
export function selfAddress(n: SimNode): string {
  const e = n.spec.extraAddress;
  return e === null || compareAddresses(n.spec.address, e) < 0 ? n.spec.address : e;
}

/** addressesSeen: where `reader` can reach `p` (the second address may be off its routes). */
function addressesSeen(reader: SimNode, p: SimNode): string[] {
  const extra = p.spec.extraAddress;
  const all = extra === null || p.spec.extraHiddenFrom.includes(reader.spec.name) ? [p.spec.address] : [p.spec.address, extra];
  // The scan finds the node itself at its other addresses: a "peer" with our own id.
  return p === reader ? all.filter((a) => a !== selfAddress(reader)) : all;
}

/** observe builds the View a pass of `reader` gets now. */
export function observe(w: World, reader: SimNode): View {
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
    addressesSeen(reader, p).forEach((address, k) => {
      const copies = f !== null && roll(p.index, 10 + k) < f.dup ? 2 : 1;
      if (copies > 1 || k > 0) cover(w, p === reader ? "node reads itself at its other address" : "same ballot read twice in one pass");
      for (let c = 0; c < copies; c++) {
        const salt = 100 * (k + 1) + 10 * c;
        if (f !== null && roll(p.index, salt) < f.loss) continue;
        peers.push({ address, bootTime: reportedBootTime(p), etcd: evidence(w, p, roll(p.index, salt + 1)), ballot: read(w, p, (s) => roll(p.index, salt + 2 + s)) });
      }
    });
  }
  // The core must not depend on the order of the scan.
  const order = peers.map((p, i) => ({ p, k: roll(1000 + i, 99) })).sort((a, b) => a.k - b.k);
  return {
    now: w.now,
    self: { address: selfAddress(reader), bootTime: reportedBootTime(reader), etcd: evidence(w, reader, roll(reader.index, 7)) },
    peers: order.map((x) => x.p),
  };
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
