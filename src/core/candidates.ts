// Candidates are the control planes of this cluster whose agent has published
// a ballot: the acceptors of the decision and the nodes that may be nominated.
// Every candidate's key is the same quantity: boot time as reported by its own
// apid (SystemStat.boot_time), then its address, compared numerically.
import { compareAddresses } from "./address.js";
import type { Ballot, View } from "./types.js";

export interface Candidate {
  readonly id: string;
  readonly address: string;
  readonly bootTime: bigint;
  readonly ballot: Ballot;
  readonly self: boolean;
}

/** What a node is ranked by, with or without a ballot. */
export type Ranked = Pick<Candidate, "address" | "bootTime">;

/** order puts the preferred nominee first: oldest boot, then lowest address. */
export function order(a: Ranked, b: Ranked): number {
  if (a.bootTime !== b.bootTime) return a.bootTime < b.bootTime ? -1 : 1;
  return compareAddresses(a.address, b.address);
}

/**
 * candidates returns one entry per ballot id (a node reached at several
 * addresses counts once, under its lowest address), self included, best first.
 * Ballots of another cluster, or claiming our own id, are ignored.
 */
export function candidates(view: View, own: Ballot): Candidate[] {
  const byId = new Map<string, Candidate>();
  for (const peer of view.peers) {
    if (peer.ballot.kind !== "ok") continue;
    const b = peer.ballot.ballot;
    if (b.cluster !== own.cluster || b.id === own.id) continue;
    const seen = byId.get(b.id);
    if (seen === undefined || compareAddresses(peer.address, seen.address) < 0) {
      byId.set(b.id, { id: b.id, address: peer.address, bootTime: peer.bootTime, ballot: b, self: false });
    }
  }
  const self: Candidate = {
    id: own.id,
    address: view.self.address,
    bootTime: view.self.bootTime,
    ballot: own,
    self: true,
  };
  return [self, ...byId.values()].sort(order);
}

/**
 * ranking orders every control plane in view (self included, with or without
 * a ballot) the way nominees are ordered: what --dry-run reports.
 */
export function ranking(view: View): Ranked[] {
  return [view.self, ...view.peers].map((n) => ({ address: n.address, bootTime: n.bootTime })).sort(order);
}
