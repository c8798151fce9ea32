// Ballot numbers are (round, proposer id): unique per proposer, totally ordered.
import type { Ballot, BallotNumber } from "./types.js";

export function compareNumbers(a: BallotNumber, b: BallotNumber): number {
  if (a.round !== b.round) return a.round - b.round;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export const sameNumber = (a: BallotNumber | null | undefined, b: BallotNumber): boolean =>
  a !== null && a !== undefined && compareNumbers(a, b) === 0;

export const isAbove = (a: BallotNumber | null | undefined, b: BallotNumber): boolean =>
  a !== null && a !== undefined && compareNumbers(a, b) > 0;

/** highestRound is the largest round any of these ballots mentions. */
export function highestRound(ballots: readonly Ballot[]): number {
  let max = 0;
  for (const b of ballots) {
    for (const n of [b.promised, b.accepted?.number, b.proposal?.number]) {
      if (n && n.round > max) max = n.round;
    }
  }
  return max;
}
