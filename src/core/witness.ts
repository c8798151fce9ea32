// Witnesses: what one node has read of another's register. Every agent
// publishes, in its own ballot, the highest Paxos state it has read of every
// other register of its cluster (directly, or from a third register's
// witnesses). Two uses:
//  - a register that went back in time (a VM snapshot revert, a restored
//    disk) finds, at start, what it had already told its peers, and adopts it;
//  - the ids ever seen bound the acceptors, so a quorum stays a majority.
// Witnesses change only when a register's Paxos state grows, and step()
// writes them only with a write it makes anyway (or a new id), so publishing
// them never makes two agents rewrite their files in turn.
import { isConflict, maxAccepted, maxNumber, maxProposal, sameNominee, compareNumbers, type Conflict } from "./ballot-number.js";
import type { Accepted, Ballot, BallotNumber, Proposal, Witness } from "./types.js";

/**
 * MAX_PEERS bounds the witnesses a ballot holds (and so its size): a cluster
 * with more control planes than this, ever, is refused. Talos clusters run
 * 1–9 control planes; 64 leaves room for replacements.
 */
export const MAX_PEERS = 64;

export const witnessOf = (b: Ballot): Witness => ({
  machine: b.machine,
  promised: b.promised,
  accepted: b.accepted,
  proposal: b.proposal,
});

export type WitnessError =
  | { readonly kind: "machines"; readonly id: string; readonly machines: readonly [string, string] }
  | { readonly kind: "conflict"; readonly id: string; readonly conflict: Conflict };

/**
 * mergeWitness is the field-wise highest of two reads of one register. Two
 * machine bindings under one id, or one ballot number with two nominees, are
 * errors: no single register ever held both. Returns `a` itself when `b`
 * adds nothing, so callers can tell "unchanged" by identity.
 */
export function mergeWitness(id: string, a: Witness | undefined, b: Witness): Witness | WitnessError {
  if (a === undefined) return b;
  if (a.machine !== b.machine) return { kind: "machines", id, machines: [a.machine, b.machine] };
  const promised = maxNumber(a.promised, b.promised);
  const accepted = maxAccepted(a.accepted, b.accepted);
  if (isConflict(accepted)) return { kind: "conflict", id, conflict: accepted };
  const proposal = maxProposal(a.proposal, b.proposal);
  if (isConflict(proposal)) return { kind: "conflict", id, conflict: proposal };
  if (promised === a.promised && accepted === a.accepted && proposal === a.proposal) return a;
  return { machine: a.machine, promised, accepted, proposal };
}

export const isWitnessError = (x: Witness | WitnessError): x is WitnessError => "kind" in x;

/**
 * above says whether witness `w` shows a state our register `own` never
 * reached: a promise, acceptance or request above ours (each only grows in
 * our own history), or at one number a different value. While we run, that
 * means another machine writes under our id; at start, that our file went
 * back in time.
 */
export function above(w: Witness, own: Witness): boolean {
  const higher = (x: BallotNumber | null | undefined, y: BallotNumber | null | undefined): boolean =>
    x !== null && x !== undefined && (y === null || y === undefined || compareNumbers(x, y) > 0);
  if (higher(w.promised, own.promised)) return true;
  if (higher(w.accepted?.number, own.accepted?.number)) return true;
  if (sameAccepted(w.accepted, own.accepted) === false) return true;
  if (higher(w.proposal?.number, own.proposal?.number)) return true;
  return w.proposal !== null && own.proposal !== null && laterRequest(w.proposal, own.proposal);
}

/** At one number: different nominees (false), the same (true), or not comparable (null). */
function sameAccepted(a: Accepted | null, b: Accepted | null): boolean | null {
  if (a === null || b === null || compareNumbers(a.number, b.number) !== 0) return null;
  return sameNominee(a.nominee, b.nominee);
}

/** Same number, and `w` is an accept our prepare never became, or another value. */
function laterRequest(w: Proposal, own: Proposal): boolean {
  if (compareNumbers(w.number, own.number) !== 0 || w.phase === "prepare") return false;
  return own.phase === "prepare" || !sameNominee(w.nominee, own.nominee);
}

/** describeError is the one line an operator reads when witnesses disagree. */
export function describeError(e: WitnessError): string {
  switch (e.kind) {
    case "machines":
      return `ballot id ${e.id} is bound to two machines (${e.machines[0].slice(0, 12)}…, ${e.machines[1].slice(0, 12)}…): a cloned machine or a copied disk`;
    case "conflict":
      return `ballot number ${e.conflict.number.round}/${e.conflict.number.id} carries two nominees (${e.conflict.values[0].address}, ${e.conflict.values[1].address}): two machines propose under one id`;
    default: {
      const unreachable: never = e;
      throw new Error(`unknown witness error ${JSON.stringify(unreachable)}`);
    }
  }
}

/**
 * learn folds what this pass read into our witnesses: each acceptor's own
 * register, and the witnesses it publishes of third registers (never of us:
 * what others saw of us is checked, not stored). Returns `own.peers` itself
 * when nothing grew, so an unchanged pass writes nothing.
 */
export type LearnError = WitnessError | { readonly kind: "too-many"; readonly ids: number };

export const isLearnError = (x: Readonly<Record<string, Witness>> | LearnError): x is LearnError =>
  typeof x.kind === "string";

export function learn(own: Ballot, registers: readonly { readonly id: string; readonly ballot: Ballot }[]): Readonly<Record<string, Witness>> | LearnError {
  let peers: Record<string, Witness> | null = null;
  const fold = (id: string, w: Witness): WitnessError | null => {
    if (id === own.id) return null;
    const current = (peers ?? own.peers)[id];
    const merged = mergeWitness(id, current, w);
    if (isWitnessError(merged)) return merged;
    if (merged !== current) (peers ??= { ...own.peers })[id] = merged;
    return null;
  };
  for (const r of registers) {
    const e = fold(r.id, witnessOf(r.ballot)) ?? Object.entries(r.ballot.peers).reduce<WitnessError | null>((err, [id, w]) => err ?? fold(id, w), null);
    if (e !== null) return e;
  }
  const result = peers ?? own.peers;
  const ids = Object.keys(result).length;
  return ids > MAX_PEERS ? { kind: "too-many", ids } : result;
}
