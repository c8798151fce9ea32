// The liveness judgement after the heal: exactly one Bootstrap overall, and
// every living control plane's agent exited 0 within the bound. When some
// control planes stay dead, a failure is the documented limitation (not a
// core bug) if and only if the chosen nominee is one of the dead: nobody may
// bootstrap in its place (docs/consent.md, "A nominee that dies").
import { decodeBallot } from "../../src/ballots/codec.js";
import { chosen } from "../../src/core/paxos.js";
import type { Ballot } from "../../src/core/types.js";
import { allControlPlanes, controlPlanes, type SimNode, type World } from "./world.js";

export interface Judgement {
  /** A genuine liveness failure. */
  readonly failure: string | null;
  /** A failure explained by the documented limitation. */
  readonly limitation: string | null;
  /** No Bootstrap because a guard refused (exit 1): the documented answer to a broken assumption. */
  readonly refused: string | null;
}

/** living: the control planes (both clusters) that run after the heal; a node the power cycle adds counts once added. */
export const living = (w: World): SimNode[] =>
  allControlPlanes(w).filter((n) => !w.schedule.deadAfterHeal.includes(n.spec.name) && (Number.isFinite(n.spec.bootAt) || w.cycled));

/** doneAt is when the last living control plane's agent exited, or null. */
export function doneAt(w: World): number | null {
  const cps = living(w);
  if (!cps.every((n) => n.agent === "exited")) return null;
  return Math.max(w.schedule.healAt, ...cps.map((n) => w.exits.get(n.spec.name) ?? 0));
}

export function judge(w: World, done: number | null, by: number): Judgement {
  const failure = fail(w, done, by);
  if (failure === null) return { failure: null, limitation: null, refused: null };
  const refusal = refused(w);
  if (refusal !== null) return { failure: null, limitation: null, refused: refusal };
  const nominee = deadNominee(w);
  return nominee === null ? { failure, limitation: null, refused: null } : { failure: null, limitation: `nominee ${nominee} is dead: ${failure}`, refused: null };
}

/** refused: a cluster whose etcd never formed and whose agents a guard stopped (their last exit was 1). */
function refused(w: World): string | null {
  for (const c of new Set(living(w).map((n) => n.spec.cluster))) {
    if (w.formed.has(c)) continue;
    const halted = living(w).find((n) => n.spec.cluster === c && n.halt !== null);
    if (halted !== undefined) return `${halted.spec.name}: ${halted.halt}`;
  }
  return null;
}

function fail(w: World, done: number | null, by: number): string | null {
  for (const c of new Set(living(w).map((n) => n.spec.cluster))) {
    const count = w.bootstrapped.filter((name) => w.byName.get(name)?.spec.cluster === c).length;
    if (count !== 1) return `${count} bootstraps${c === 0 ? "" : ` in cluster ${c}`}`;
  }
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
  if (dead.length === 0) return null;
  const nominee = chosen(all, w.schedule.cfg.quorum);
  if (nominee !== null) return dead.includes(name(nominee.id)) ? name(nominee.id) : null;
  const alive = living(w).filter((n) => n.spec.cluster === 0).map(register);
  const values = alive.flatMap((b) => (b?.accepted ? [name(b.accepted.nominee.id)] : []));
  const blank = alive.length - values.length;
  if (values.length === 0 || blank >= w.schedule.cfg.quorum || !values.every((v) => dead.includes(v))) return null;
  return [...new Set(values)].join("/");
}
