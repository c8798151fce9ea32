// The liveness judgement after the heal: exactly one Bootstrap overall, and
// every living control plane's agent exited 0 within the bound. When some
// control planes stay dead, a failure is the documented limitation (not a
// core bug) if and only if the chosen nominee is one of the dead: nobody may
// bootstrap in its place (docs/consent.md, "A nominee that dies").
import { decodeBallot } from "../../src/ballots/codec.js";
import { chosen } from "../../src/core/paxos.js";
import type { Ballot } from "../../src/core/types.js";
import { controlPlanes, type SimNode, type World } from "./world.js";

export interface Judgement {
  /** A genuine liveness failure. */
  readonly failure: string | null;
  /** A failure explained by the documented limitation. */
  readonly limitation: string | null;
}

export const living = (w: World): SimNode[] => controlPlanes(w).filter((n) => !w.schedule.deadAfterHeal.includes(n.spec.name));

/** doneAt is when the last living control plane's agent exited, or null. */
export function doneAt(w: World): number | null {
  const cps = living(w);
  if (!cps.every((n) => n.agent === "exited")) return null;
  return Math.max(w.schedule.healAt, ...cps.map((n) => w.exits.get(n.spec.name) ?? 0));
}

export function judge(w: World, done: number | null, by: number): Judgement {
  const failure = fail(w, done, by);
  if (failure === null) return { failure: null, limitation: null };
  const nominee = deadNominee(w);
  return nominee === null ? { failure, limitation: null } : { failure: null, limitation: `nominee ${nominee} is dead: ${failure}` };
}

function fail(w: World, done: number | null, by: number): string | null {
  if (w.bootstrapped.length !== 1) return `${w.bootstrapped.length} bootstraps`;
  if (done === null) {
    const left = living(w).filter((n) => n.agent !== "exited").map((n) => `${n.spec.name}:${n.agent}`);
    return `agents never exited: ${left.join(" ")}`;
  }
  if (done > by) return `all exited only ${done - by} ms after the bound`;
  return null;
}

/**
 * deadNominee: a dead node that every future decision must name, or null.
 * Either it is chosen (a quorum accepted it in one ballot), or every living
 * acceptor that accepted anything accepted a dead node and too few accepted
 * nothing to form a quorum: then any quorum of the living holds only dead
 * values, and Paxos makes the next proposal carry one of them.
 */
function deadNominee(w: World): string | null {
  const dead = w.schedule.deadAfterHeal;
  const register = (n: SimNode): Ballot | null => {
    const last = n.ballots[n.ballots.length - 1];
    return last === undefined ? null : decodeBallot(last.text);
  };
  const name = (id: string): string => w.names.get(id) ?? id;
  const all = controlPlanes(w).flatMap((n) => register(n) ?? []);
  const nominee = chosen(all, w.schedule.cfg.quorum);
  if (nominee !== null) return dead.includes(name(nominee.id)) ? name(nominee.id) : null;
  const alive = living(w).map(register);
  const values = alive.flatMap((b) => (b?.accepted ? [name(b.accepted.nominee.id)] : []));
  const blank = alive.length - values.length;
  if (values.length === 0 || blank >= w.schedule.cfg.quorum || !values.every((v) => dead.includes(v))) return null;
  return [...new Set(values)].join("/");
}
