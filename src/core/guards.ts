// The quorum guard, as Consul's bootstrap_expect: quorums intersect only
// while QUORUM_NODES is a strict majority of every acceptor there ever is.
// With N acceptors, any two sets of q intersect iff N ≤ 2q − 1. So the agent
// refuses once more control planes are in view, or more ballot ids of its
// cluster were ever seen, than CONTROL_PLANES (when stated) or 2q − 1.
import { MAX_PEERS } from "./witness.js";
import { sameSettings, showSettings } from "./survey.js";
import type { Ballot, Settings } from "./types.js";

/** limitOf is the most acceptors these settings keep safe. */
export const limitOf = (s: Settings): number => Math.min(s.controlPlanes ?? 2 * s.quorum - 1, MAX_PEERS + 1);

/** countGuard names why the acceptors seen break the quorum's majority, or null. */
export function countGuard(s: Settings, inView: number, everSeen: number): string | null {
  const limit = limitOf(s);
  const why = s.controlPlanes !== null ? `CONTROL_PLANES=${s.controlPlanes}` : `QUORUM_NODES=${s.quorum} is a majority of at most ${limit}`;
  if (inView > limit) {
    return `${inView} control planes of this cluster in view, more than ${limit} (${why}): the quorum may no longer be a majority; fix ${showSettings(s)} on every control plane, or bootstrap by hand`;
  }
  if (everSeen > limit) {
    return `${everSeen} ballot ids of this cluster ever seen, more than ${limit} (${why}): control planes were added, replaced or lost their ballot; the quorum may no longer be a majority, bootstrap by hand (docs/consent.md)`;
  }
  return null;
}

/**
 * settingsGuard: our own settings may change only while this node has taken
 * no part in a decision (a quorum that changes under an open decision is
 * not the quorum Paxos counted with).
 */
export function settingsGuard(own: Ballot, s: Settings): "same" | "update" | { readonly halt: string } {
  if (sameSettings(own.settings, s)) return "same";
  if (own.promised === null && own.accepted === null && own.proposal === null) return "update";
  return { halt: `this node now has ${showSettings(s)}, but its open decision was made with ${showSettings(own.settings)}; restore those values` };
}
