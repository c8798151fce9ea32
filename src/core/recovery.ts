// Before answering anything, an agent compares its register with what its
// peers last saw of it. A register can go back in time (a VM snapshot
// revert, a restored disk) or be lost (EPHEMERAL wiped while STATE, and so
// the machine binding, survived). Paxos cannot survive an acceptor that
// forgets a promise it made, so the agent adopts the highest state its peers
// read of it, or, with no file at all, the id and state its peers remember
// for this machine. Once running, a register under our id that shows a state
// we never wrote can only be another machine: that stops the agent.
import { compareNumbers } from "./ballot-number.js";
import type { Survey } from "./survey.js";
import type { Ballot, Witness } from "./types.js";
import { above, describeError, isWitnessError, mergeWitness, witnessOf } from "./witness.js";

export type Recovery =
  /** `long`: too few peers in view to decide anything anyway; look again at the next scan. */
  | { readonly kind: "wait"; readonly reason: string; readonly long: boolean }
  | { readonly kind: "halt"; readonly reason: string }
  | { readonly kind: "done"; readonly ballot: Ballot; readonly note: string | null };

/**
 * recover runs once per agent start. It waits until a quorum's worth of peer
 * registers answered (nothing can be decided with fewer anyway) and, while
 * some peer in view is still unreadable, until `patienceOver`.
 */
export function recover(own: Ballot, fresh: boolean, s: Survey, quorum: number, patienceOver: boolean): Recovery {
  const need = quorum - 1;
  if (s.answered < need) return { kind: "wait", reason: `recovering: ${s.answered} of ${need} peer registers read`, long: true };
  if (s.unanswered > 0 && !patienceOver) return { kind: "wait", reason: `recovering: ${s.unanswered} peer registers unreadable`, long: false };
  let ballot = own;
  let witnesses: readonly Witness[] = s.ofUs;
  let note: string | null = null;
  if (fresh && witnesses.length === 0) {
    const old = previousLife(own, s);
    if (old !== null) {
      ballot = { ...own, id: old.id };
      witnesses = old.witnesses;
      note = `this machine's ballot file was lost; resumed as ballot id ${old.id}, which its peers remember for this machine`;
    }
  }
  let merged: Witness = witnessOf(ballot);
  for (const w of witnesses) {
    const m = mergeWitness(ballot.id, merged, w);
    if (isWitnessError(m)) return { kind: "halt", reason: describeError(m) };
    merged = m;
  }
  if (above(merged, witnessOf(ballot))) {
    ballot = { ...ballot, promised: merged.promised, accepted: merged.accepted, proposal: merged.proposal };
    note ??= "this node's ballot went back in time (snapshot revert, restored disk); adopted what its peers had read of it";
  }
  // A fresh ballot is not on disk yet: hand back a new object so it is written.
  return { kind: "done", ballot: fresh && ballot === own ? { ...own } : ballot, note };
}

/** checkOfUs: once running, our register seen above what we wrote means another writer. */
export function checkOfUs(own: Ballot, ofUs: readonly Witness[]): string | null {
  const mine = witnessOf(own);
  for (const w of ofUs) {
    const m = mergeWitness(own.id, mine, w);
    if (isWitnessError(m)) return describeError(m);
    if (above(w, mine)) return `a register under this node's ballot id ${own.id} shows a state it never wrote: another machine writes under this id (a clone); stop the copy and remove its /var/lib/autobootstrap`;
  }
  return null;
}

/**
 * previousLife finds an earlier ballot id of this machine in the witnesses
 * our peers publish. Several (more than one lost file) resolve to the one
 * that went furthest; the others stay dead acceptors, which Paxos tolerates.
 */
function previousLife(own: Ballot, s: Survey): { id: string; witnesses: Witness[] } | null {
  const byId = new Map<string, Witness[]>();
  for (const a of s.acceptors) {
    for (const [id, w] of Object.entries(a.ballot.peers)) {
      if (w.machine === own.machine && id !== own.id) (byId.get(id) ?? byId.set(id, []).get(id))?.push(w);
    }
  }
  let best: { id: string; witnesses: Witness[]; round: number } | null = null;
  for (const [id, witnesses] of byId) {
    const round = Math.max(0, ...witnesses.map((w) => w.promised?.round ?? 0));
    if (best === null || round > best.round || (round === best.round && compareNumbers({ round, id }, { round, id: best.id }) < 0)) {
      best = { id, witnesses, round };
    }
  }
  return best === null ? null : { id: best.id, witnesses: best.witnesses };
}
