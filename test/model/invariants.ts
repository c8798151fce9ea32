// What must hold after every action, whatever the interleaving:
// 1. at most one distinct node is ever sent Bootstrap;
// 2. no two agents ever learn different nominees;
// 3. at most one nominee is ever chosen (a quorum of registers showed the
//    same accepted vote, at any times: acceptances are facts about the past);
// 4. P2b, which the core's P2c argument is there to give: once a vote (b, v)
//    is chosen, every accept request and every acceptance numbered above b
//    names v. It fails before 1–3 can, so a broken core is caught sooner.
// Plus, per register write, the simulator's pair assertions (a promise is
// never lowered, a number never carries two values): see actions.ts.
import { NODES, acceptedOf, compareVotes, name, requestOf, type Ballot, type Vote } from "./adapter.js";
import { withFacts, type ModelState } from "./state.js";

const voteKey = (v: Vote): string => `${v.round}${name(v.id)}→${name(v.nominee)}`;
export const showVote = voteKey;

function addVote(list: readonly Vote[], v: Vote | null): readonly Vote[] {
  if (v === null || list.some((w) => compareVotes(w, v) === 0 && w.nominee === v.nominee)) return list;
  return [...list, v].sort((a, b) => compareVotes(a, b) || (a.nominee < b.nominee ? -1 : a.nominee > b.nominee ? 1 : 0));
}

function addSorted<T extends number | string>(list: readonly T[], x: T): readonly T[] {
  return list.includes(x) ? list : [...list, x].sort();
}

/** recordPass folds what a pass did into the histories the invariants read. */
export function recordPass(s: ModelState, x: number, bootstrapped: boolean, learned: string | null, written: Ballot | null): ModelState {
  const f = s.facts;
  const acc = written === null ? f.accepted[x] : addVote(f.accepted[x] ?? [], acceptedOf(written));
  const next = {
    bootstrapped: bootstrapped ? addSorted(f.bootstrapped, x) : f.bootstrapped,
    learned: learned !== null ? addSorted(f.learned, learned) : f.learned,
    accepted: acc === f.accepted[x] ? f.accepted : f.accepted.map((l, i) => (i === x ? (acc ?? l) : l)),
    requested: written === null ? f.requested : addVote(f.requested, requestOf(written)),
  };
  const same = next.bootstrapped === f.bootstrapped && next.learned === f.learned && next.accepted === f.accepted && next.requested === f.requested;
  return same ? s : withFacts(s, next);
}

/** chosenVotes: every vote that a quorum of registers has shown as accepted. */
export function chosenVotes(s: ModelState, quorum: number): { vote: Vote; by: string[] }[] {
  const tally = new Map<string, { vote: Vote; by: string[] }>();
  s.facts.accepted.forEach((votes, i) => {
    for (const v of votes) {
      const t = tally.get(voteKey(v)) ?? { vote: v, by: [] };
      t.by.push(NODES[i]?.name ?? String(i));
      tally.set(voteKey(v), t);
    }
  });
  return [...tally.values()].filter((t) => t.by.length >= quorum);
}

/** violation names the first invariant this state breaks, or null. */
export function violation(s: ModelState, quorum: number): string | null {
  const f = s.facts;
  if (f.bootstrapped.length > 1) return `two nodes were sent Bootstrap: ${f.bootstrapped.map((i) => NODES[i]?.name).join(" and ")}`;
  if (f.learned.length > 1) return `agents learned different nominees: ${f.learned.map(name).join(" and ")}`;
  const chosen = chosenVotes(s, quorum);
  const nominees = new Set(chosen.map((c) => c.vote.nominee));
  if (nominees.size > 1) return `two nominees chosen: ${chosen.map((c) => `${voteKey(c.vote)} by {${c.by.join(",")}}`).join(" and ")}`;
  for (const c of chosen) {
    const above = (v: Vote): boolean => compareVotes(v, c.vote) > 0 && v.nominee !== c.vote.nominee;
    const req = f.requested.find(above);
    if (req !== undefined) return `P2b: accept request ${voteKey(req)} is numbered above the chosen ${voteKey(c.vote)} but names another nominee`;
    for (const [i, votes] of f.accepted.entries()) {
      const acc = votes.find(above);
      if (acc !== undefined) return `P2b: ${NODES[i]?.name} accepted ${voteKey(acc)}, above the chosen ${voteKey(c.vote)}, with another nominee`;
    }
  }
  return null;
}
