// The liveness judgement after the heal: exactly one Bootstrap overall, and
// every living control plane's agent exited 0 within the bound. When some
// control planes stay dead, a failure is the documented limitation (not a
// core bug) if and only if the chosen nominee is one of the dead: nobody may
// bootstrap in its place (docs/consent.md, "A nominee that dies").
import { decodeBallot } from "../../src/ballots/codec.js";
import { chosen } from "../../src/core/paxos.js";
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

/** deadNominee: the nominee chosen in the durable registers, if it is dead. */
function deadNominee(w: World): string | null {
  const registers = controlPlanes(w).flatMap((n) => {
    const last = n.ballots[n.ballots.length - 1];
    return last === undefined ? [] : [decodeBallot(last.text)];
  });
  const nominee = chosen(registers, w.schedule.cfg.quorum);
  const name = nominee === null ? null : (w.names.get(nominee.id) ?? null);
  return name !== null && w.schedule.deadAfterHeal.includes(name) ? name : null;
}
