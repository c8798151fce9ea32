// The acceptor and proposer halves of one pass, over the candidates survey()
// kept. Pure functions of the state and what the pass read.
import { nextDelay, initialBackoff } from "./backoff.js";
import { highestRound, MAX_ROUND, sameNumber } from "./ballot-number.js";
import type { Candidate } from "./candidates.js";
import type { ClusterStatus } from "./evidence.js";
import { acceptRequests, chosen, progress } from "./paxos.js";
import type { AgentState, CoreConfig } from "./state.js";
import type { Ballot, Proposal } from "./types.js";

/** registers: every acceptor's register as this pass knows it, ours current. */
export function registers(field: readonly Candidate[], state: AgentState): Ballot[] {
  return field.map((c) => (c.self ? state.ballot : c.ballot));
}

/** The acceptor half: answer every request visible this pass, ours included. */
export function answer(state: AgentState, field: readonly Candidate[]): AgentState {
  const requests: Proposal[] = [];
  for (const b of registers(field, state)) if (b.proposal) requests.push(b.proposal);
  const ballot = acceptRequests(state.ballot, requests);
  return ballot === state.ballot ? state : { ...state, ballot };
}

/** The proposer half: advance our proposal, or start one if we lead. */
export function propose(state: AgentState, field: readonly Candidate[], now: number, cfg: CoreConfig, status: ClusterStatus, random: number): AgentState {
  const self = field.find((c) => c.self) as Candidate;
  const leads = field.length >= cfg.quorum && field[0]?.self === true && status.kind === "not-bootstrapped";
  state = { ...state, bestSince: leads ? (state.bestSince ?? now) : null };
  const ballots = registers(field, state);

  const own = state.ballot.proposal;
  if (own !== null && !sameNumber(state.abandoned, own.number)) {
    // Our id from the state, not the field: recovery may have just resumed an earlier id.
    const p = progress(own, ballots, cfg.quorum, { id: state.ballot.id, machine: state.ballot.machine, address: self.address });
    switch (p.kind) {
      case "waiting":
        return state;
      case "chosen":
        return { ...state, proposeBackoff: initialBackoff };
      case "promised":
        if (own.phase === "accept") return state;
        state = { ...state, proposeBackoff: initialBackoff };
        return publish(state, field, { phase: "accept", number: own.number, nominee: p.nominee });
      case "preempted": {
        // Back off with jitter, so two proposers stop colliding, then try a higher ballot.
        const [ms, backoff] = nextDelay(state.proposeBackoff, cfg.consentIntervalMs, cfg.maxBackoffMs, random);
        state = { ...state, abandoned: own.number, proposeNotBefore: now + ms, proposeBackoff: backoff };
        break;
      }
      default: {
        const unreachable: never = p;
        throw new Error(`unknown progress ${JSON.stringify(unreachable)}`);
      }
    }
  }
  const delayOver = state.bestSince !== null && now - state.bestSince >= cfg.preBootstrapDelayMs;
  if (!leads || !delayOver || now < state.proposeNotBefore) return state;
  // Decided already: a new round could only carry the same nominee, so skip it.
  if (chosen(ballots, cfg.quorum) !== null) return state;
  const round = Math.max(highestRound(ballots), own?.number.round ?? 0) + 1;
  // Never write a round we (and every peer) would refuse to read back.
  if (round > MAX_ROUND) return state;
  return publish(state, field, { phase: "prepare", number: { round, id: state.ballot.id } });
}

/** publish replaces our request and lets our own acceptor answer it at once. */
function publish(state: AgentState, field: readonly Candidate[], proposal: Proposal): AgentState {
  return answer({ ...state, ballot: { ...state.ballot, proposal } }, field);
}

/** untilProposal is how long until we may propose: backoff or pre-bootstrap delay. */
export function untilProposal(state: AgentState, now: number, cfg: CoreConfig): number {
  const own = state.ballot.proposal;
  const active = own !== null && !sameNumber(state.abandoned, own.number);
  if (state.bestSince === null || active) return Number.POSITIVE_INFINITY;
  return Math.max(state.proposeNotBefore, state.bestSince + cfg.preBootstrapDelayMs) - now;
}
