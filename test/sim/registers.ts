// Pair assertions on the durable register, checked at every write: what
// Paxos needs from an acceptor and a proposer, whatever the core computes.
import { compareNumbers, sameNominee } from "../../src/core/ballot-number.js";
import { sameCluster } from "../../src/core/survey.js";
import type { Ballot, BallotNumber } from "../../src/core/types.js";

const below = (next: BallotNumber | null | undefined, prev: BallotNumber | null | undefined): boolean =>
  prev !== null && prev !== undefined && (next === null || next === undefined || compareNumbers(next, prev) < 0);

/**
 * regression says how `next` broke a promise made by `prev`, or null. A new
 * id is a new register (and allowed) only when the file on disk belonged to
 * another machine binding or cluster: a copied or reused disk.
 */
export function regression(prev: Ballot, next: Ballot): string | null {
  const foreign = prev.machine !== next.machine || !sameCluster(prev.cluster, next.cluster);
  if (foreign) return next.id === prev.id ? "kept the id of a ballot bound to another machine or cluster" : null;
  if (next.id !== prev.id) return "changed its id on the same machine";
  if (below(next.promised, prev.promised)) return "lowered its promise (an acceptor forgot)";
  if (below(next.accepted?.number, prev.accepted?.number)) return "lowered its accepted ballot";
  if (below(next.proposal?.number, prev.proposal?.number)) return "went back to a lower proposal";
  if (next.accepted !== null && below(next.promised, next.accepted.number)) return "accepted above its promise";
  const p = prev.proposal;
  const q = next.proposal;
  if (p?.phase === "accept" && q !== null && compareNumbers(p.number, q.number) === 0) {
    if (q.phase !== "accept" || !sameNominee(q.nominee, p.nominee)) return "sent two values for one ballot number";
  }
  return null;
}
