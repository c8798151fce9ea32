// Ballot numbers are (round, proposer id): unique per proposer, totally ordered.
import type { Accepted, BallotNumber, Nominee, Proposal, Witness } from "./types.js";

/**
 * MAX_ROUND bounds every round, at decode and before proposing: a peer at
 * round 2^53−1 would otherwise make our next round an unsafe integer, which
 * we would write and then refuse to read back. 2^31 rounds is far more than
 * any decision needs (each round costs a proposer at least one backoff).
 */
export const MAX_ROUND = 2 ** 31;

export function compareNumbers(a: BallotNumber, b: BallotNumber): number {
  if (a.round !== b.round) return a.round - b.round;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export const sameNumber = (a: BallotNumber | null | undefined, b: BallotNumber): boolean =>
  a !== null && a !== undefined && compareNumbers(a, b) === 0;

export const isAbove = (a: BallotNumber | null | undefined, b: BallotNumber): boolean =>
  a !== null && a !== undefined && compareNumbers(a, b) > 0;

/** sameNominee: one value, so every field, not the id alone (a clone shares the id). */
export const sameNominee = (a: Nominee, b: Nominee): boolean =>
  a.id === b.id && a.machine === b.machine && a.address === b.address;

export const numberKey = (n: BallotNumber): string => `${n.round}/${n.id}`;

/** highestRound is the largest round any of these registers mentions. */
export function highestRound(registers: readonly Witness[]): number {
  let max = 0;
  for (const b of registers) {
    for (const n of [b.promised, b.accepted?.number, b.proposal?.number]) {
      if (n && n.round > max) max = n.round;
    }
  }
  return max;
}

/** The higher of two numbers (either may be absent). */
export function maxNumber(a: BallotNumber | null, b: BallotNumber | null): BallotNumber | null {
  if (a === null) return b;
  if (b === null) return a;
  return compareNumbers(a, b) >= 0 ? a : b;
}

/** The two values one ballot number carries, when it carries two: proof of a clone or a bug. */
export type Conflict = { readonly number: BallotNumber; readonly values: readonly [Nominee, Nominee] };

/** maxAccepted is the higher acceptance; one number with two nominees is a conflict. */
export function maxAccepted(a: Accepted | null, b: Accepted | null): Accepted | null | Conflict {
  if (a === null) return b;
  if (b === null) return a;
  const c = compareNumbers(a.number, b.number);
  if (c === 0 && !sameNominee(a.nominee, b.nominee)) return { number: a.number, values: [a.nominee, b.nominee] };
  return c >= 0 ? a : b;
}

/**
 * maxProposal is the later request of one proposer: a higher number, or at
 * one number the accept that follows the prepare. Two accepts of one number
 * with different nominees are a conflict.
 */
export function maxProposal(a: Proposal | null, b: Proposal | null): Proposal | null | Conflict {
  if (a === null) return b;
  if (b === null) return a;
  const c = compareNumbers(a.number, b.number);
  if (c !== 0) return c > 0 ? a : b;
  if (a.phase === "accept" && b.phase === "accept" && !sameNominee(a.nominee, b.nominee)) {
    return { number: a.number, values: [a.nominee, b.nominee] };
  }
  return a.phase === "accept" ? a : b;
}

export const isConflict = (x: unknown): x is Conflict =>
  typeof x === "object" && x !== null && "values" in x;
