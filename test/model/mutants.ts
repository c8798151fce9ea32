// Deliberately broken cores, to prove the checker finds what it is for. Each
// wraps the real step() and breaks one rule of Paxos; none edits src/. Like
// the adapter, these know the ballot's shape: update them with it.
import { sameNumber } from "../../src/core/ballot-number.js";
import type { BallotNumber } from "../../src/core/types.js";
import { realStep, type StepFn } from "./adapter.js";

/** The proposer nominates itself even when a promiser has already accepted another nominee. */
const ignoreAccepted: StepFn = (prev, view, cfg, random) => {
  const r = realStep(prev, view, cfg, random);
  const was = prev.ballot.proposal;
  const now = r.state.ballot.proposal;
  if (now?.phase !== "accept" || was?.phase !== "prepare" || !sameNumber(was.number, now.number)) return r;
  const self = { id: prev.ballot.id, machine: prev.ballot.machine, address: view.self.address };
  if (now.nominee.id === self.id) return r;
  const acc = r.state.ballot.accepted;
  const accepted = acc !== null && sameNumber(acc.number, now.number) ? { number: now.number, nominee: self } : acc;
  return { ...r, state: { ...r.state, ballot: { ...r.state.ballot, proposal: { ...now, nominee: self }, accepted } } };
};

const max = (a: BallotNumber | null, b: BallotNumber | null): BallotNumber | null =>
  a === null ? b : b === null ? a : a.round > b.round || (a.round === b.round && a.id > b.id) ? a : b;

/**
 * The acceptor accepts requests below its promise (it still records the
 * promise). It forgets the promise in what it reads back of its own register
 * too: the real core stops on a register that shows a state it never wrote.
 */
const acceptBelowPromise: StepFn = (prev, view, cfg, random) => {
  const own = view.self.ballot;
  const self = own.kind === "ok" ? { ...view.self, ballot: { kind: "ok" as const, ballot: { ...own.ballot, promised: null } } } : view.self;
  const r = realStep({ ...prev, ballot: { ...prev.ballot, promised: null } }, { ...view, self }, cfg, random);
  const promised = max(prev.ballot.promised, r.state.ballot.promised);
  return { ...r, state: { ...r.state, ballot: { ...r.state.ballot, promised } } };
};

export const MUTANTS: Readonly<Record<string, { readonly step: StepFn; readonly breaks: string }>> = {
  "ignore-accepted": { step: ignoreAccepted, breaks: "the proposer ignores the highest accepted value of its promisers" },
  "accept-below-promise": { step: acceptBelowPromise, breaks: "the acceptor accepts below its promise" },
};
