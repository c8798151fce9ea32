// Candidates are the control planes of this cluster whose agent has published
// a ballot: the acceptors of the decision and the nodes that may be nominated.
// Every candidate's key is the same quantity: boot time as reported by its own
// apid (SystemStat.boot_time), then its address, compared numerically.
import { compareAddresses } from "./address.js";
import type { Acceptor } from "./survey.js";
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
 * candidates is self plus the acceptors survey() kept (one entry per ballot
 * id, under its lowest address; other clusters, refused ids and reads of
 * ourselves already left out), best first.
 */
export function candidates(view: View, own: Ballot, acceptors: readonly Acceptor[]): Candidate[] {
  const self: Candidate = {
    id: own.id,
    address: view.self.address,
    bootTime: view.self.bootTime,
    ballot: own,
    self: true,
  };
  const others = acceptors.map((a): Candidate => ({ id: a.id, address: a.address, bootTime: a.bootTime, ballot: a.ballot, self: false }));
  return [self, ...others].sort(order);
}

/**
 * ranking orders every control plane in view (self included, with or without
 * a ballot) the way nominees are ordered: what --dry-run reports.
 */
export function ranking(view: View): Ranked[] {
  return [view.self, ...view.peers].map((n) => ({ address: n.address, bootTime: n.bootTime })).sort(order);
}
