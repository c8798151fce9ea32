// Single-decree Paxos over single-writer registers. Each agent's ballot file
// is its register: it writes only its own, and reads the others'. A request
// (prepare / accept) is "sent" by publishing it in the proposer's ballot; a
// reply (promise / accepted) is "sent" by publishing it in the acceptor's.
// Reading a register is receiving its owner's latest message; a slow read is
// a delayed message, which Paxos tolerates. docs/consent.md has the proof.
import { compareNumbers, isAbove, numberKey, sameNumber } from "./ballot-number.js";
import type { Accepted, Ballot, BallotNumber, Nominee, Proposal, Witness } from "./types.js";

/**
 * acceptRequests is the acceptor: it answers every visible request, lowest
 * ballot first, and returns its new register. A prepare above the promise is
 * promised; an accept at or above the promise is accepted.
 */
export function acceptRequests(own: Ballot, requests: readonly Proposal[]): Ballot {
  let { promised, accepted } = own;
  const sorted = [...requests].sort((a, b) => compareNumbers(a.number, b.number));
  for (const r of sorted) {
    const vsPromise = promised === null ? 1 : compareNumbers(r.number, promised);
    switch (r.phase) {
      case "prepare":
        if (vsPromise > 0) promised = r.number;
        break;
      case "accept":
        // Re-reading a request already answered changes nothing (and writes nothing).
        if (vsPromise < 0 || (accepted !== null && compareNumbers(accepted.number, r.number) === 0)) break;
        promised = r.number;
        accepted = { number: r.number, nominee: r.nominee };
        break;
      default: {
        const unreachable: never = r;
        throw new Error(`unknown phase ${JSON.stringify(unreachable)}`);
      }
    }
  }
  if (promised === own.promised && accepted === own.accepted) return own;
  return { ...own, promised, accepted };
}

export type Progress =
  /** Fewer than a quorum have answered this ballot yet. */
  | { kind: "waiting"; answered: number }
  /** An acceptor promised a higher ballot: this one can never succeed. */
  | { kind: "preempted"; by: BallotNumber }
  /** A quorum promised: move to accept with this nominee. */
  | { kind: "promised"; nominee: Nominee }
  /** A quorum accepted: the nominee is chosen, forever. */
  | { kind: "chosen"; nominee: Nominee };

/**
 * progress is the proposer: given its proposal and the acceptors' registers
 * (its own included), what may it do next? `fallback` is nominated only when
 * no acceptor of the promising quorum has accepted anything.
 */
export function progress(
  proposal: Proposal,
  acceptors: readonly Witness[],
  quorum: number,
  fallback: Nominee,
): Progress {
  const b = proposal.number;
  for (const a of acceptors) {
    if (isAbove(a.promised, b)) return { kind: "preempted", by: a.promised as BallotNumber };
  }
  if (proposal.phase === "prepare") {
    const promisers = acceptors.filter((a) => sameNumber(a.promised, b));
    if (promisers.length < quorum) return { kind: "waiting", answered: promisers.length };
    // The value of the highest proposal any of them accepted, or our own.
    let best: Accepted | null = null;
    for (const a of promisers) {
      if (a.accepted && (best === null || compareNumbers(a.accepted.number, best.number) > 0)) best = a.accepted;
    }
    return { kind: "promised", nominee: best?.nominee ?? fallback };
  }
  const accepters = acceptors.filter((a) => sameNumber(a.accepted?.number, b));
  if (accepters.length < quorum) return { kind: "waiting", answered: accepters.length };
  return { kind: "chosen", nominee: proposal.nominee };
}

/**
 * chosen is the learner: a nominee is chosen once a quorum of distinct
 * acceptors has accepted it in the same ballot (each read is a fact about the
 * past, so reads taken at different times still add up). Acceptances count
 * by (number, nominee): a number that carries two nominees is never counted
 * as one (survey() stops the agent when it sees one).
 */
export function chosen(acceptors: readonly Witness[], quorum: number): Nominee | null {
  const counts = new Map<string, { n: number; nominee: Nominee }>();
  for (const a of acceptors) {
    if (a.accepted === null) continue;
    const v = a.accepted.nominee;
    const key = `${numberKey(a.accepted.number)}>${v.id}/${v.machine}@${v.address}`;
    const c = counts.get(key) ?? { n: 0, nominee: v };
    c.n += 1;
    counts.set(key, c);
    if (c.n >= quorum) return c.nominee;
  }
  return null;
}
