// A trace is a list of actions; replaying it from the initial state (actions
// are deterministic) gives the readable step list a violation is shown with.
import { FAIL, KEEP, type Action } from "./actions.js";
import { NODES, describe, describeCore, name, timers, type Ballot } from "./adapter.js";
import { apply } from "./apply.js";
import { chosenVotes, showVote } from "./invariants.js";
import type { Result } from "./explore.js";
import { initialModel, type ModelConfig, type ModelState } from "./state.js";

const who = (i: number): string => NODES[i]?.name ?? String(i);

function version(reg: readonly Ballot[], v: number): string {
  const age = reg.length - 1 - v;
  return age === 0 ? "current" : age === 1 ? "previous" : `${age} versions old`;
}

function readsOf(s: ModelState, a: Extract<Action, { kind: "pass" }>): string {
  const agent = s.agents[a.node];
  if (agent === undefined) return "";
  const parts = NODES.flatMap((_, y) => {
    if (y === a.node) return [];
    const c = a.reads === null ? KEEP : (a.reads[y] ?? KEEP);
    if (c === FAIL) return [`${who(y)}: read fails`];
    const b = c === KEEP ? agent.seen[y] : s.regs[y]?.[c];
    if (b === null || b === undefined) return [`${who(y)}: not in view`];
    const reg = s.regs[y] ?? [];
    const at = reg.indexOf(b);
    // A kept copy inside the window may stand for any version there (apply.ts: representatives).
    const how = at >= 0 ? version(reg, at) : "kept from an earlier read, older than the window";
    return [`${who(y)} (${how}): ${describe(b)}`];
  });
  return parts.join("; ");
}

function line(cfg: ModelConfig, s: ModelState, next: ModelState, a: Action, note: string): string[] {
  const x = who(a.node);
  switch (a.kind) {
    case "read": {
      if (a.version === FAIL) return [`${x} fails to read ${who(a.target)}: ${who(a.target)} drops out of ${x}'s view`];
      const reg = s.regs[a.target] ?? [];
      return [`${x} reads ${who(a.target)} (${version(reg, a.version)}): ${describe(reg[a.version] as Ballot)}`];
    }
    case "pass": {
      const before = s.regs[a.node]?.at(-1);
      const after = next.regs[a.node]?.at(-1) as Ballot;
      const learned = next.facts.learned.length > s.facts.learned.length ? `; learns ${next.facts.learned.map(name).join(",")} chosen` : "";
      const reply = a.answer === null ? "" : ` after its Bootstrap ${a.answer === "ok" ? "answered OK" : "reply was lost"}`;
      const ticks = a.ticks === 0 ? "" : ` once ${a.ticks} of its timers expired`;
      return [
        `${x} passes${reply}${ticks} → ${note}${learned}`,
        `     sees ${readsOf(s, a) || "no peer"}`,
        `     ${x}'s register ${before === after ? "unchanged" : "now"}: ${describe(after)}`,
      ];
    }
    case "crash":
      return [`${x} crashes and restarts (volatile state lost, ballot kept)${s.agents[a.node]?.status === "calling" ? "; its Bootstrap reply never arrives" : ""}`];
    case "reply":
      return [`${x}'s Bootstrap ${a.answer === "ok" ? "answers OK" : "reply is lost (or FailedPrecondition): retry later"}`];
    case "tick": {
      const core = s.agents[a.node]?.core;
      return [`time passes for ${x}: +${core === undefined ? "?" : Math.min(...timers(core, cfg.core))} ms (its next timer expires)`];
    }
    default: {
      const unreachable: never = a;
      throw new Error(`unknown action ${JSON.stringify(unreachable)}`);
    }
  }
}

/** trace replays `actions` and returns one entry per action, then the final state. */
export function trace(cfg: ModelConfig, actions: readonly Action[]): string[] {
  let s = initialModel();
  const out: string[] = [];
  actions.forEach((a, i) => {
    const { next, note } = apply(s, a, cfg);
    const [first, ...rest] = line(cfg, s, next, a, note);
    out.push(`${String(i + 1).padStart(3)}. ${first}`, ...rest);
    s = next;
  });
  out.push("final state:");
  s.agents.forEach((ag, i) => {
    out.push(`     ${who(i)} ${ag.status}; register ${describe(s.regs[i]?.at(-1) as Ballot)}; ${describeCore(ag.core)}`);
  });
  const chosen = chosenVotes(s, cfg.core.quorum).map((c) => `${showVote(c.vote)} by {${c.by.join(",")}}`);
  out.push(`     chosen: ${chosen.join(", ") || "-"}; Bootstrap sent to: ${s.facts.bootstrapped.map(who).join(",") || "-"}`);
  return out;
}

/** summary is the one-line result of a run: what the report and the spec print. */
export function summary(r: Result): string {
  const all = r.exhausted ? " (the whole reachable space)" : "";
  const verdict = r.violation === null ? "0 violations" : "VIOLATION";
  return `depth ${r.depth}${all}: ${r.states} states, ${r.transitions} transitions, max frontier ${r.maxFrontier}, ${(r.ms / 1000).toFixed(1)} s, ${verdict}`;
}

/** report is the violation with its trace, or "" when there is none. */
export function report(cfg: ModelConfig, r: Result): string {
  const v = r.violation;
  if (v === null) return "";
  return [`VIOLATION after ${v.actions.length} actions: ${v.message}`, ...trace(cfg, v.actions)].join("\n");
}
