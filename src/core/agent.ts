// The agent's decisions, as one pure step per pass: the shell observes the
// world (scan, peers' ballots, etcd evidence), calls step(), persists the
// returned ballot, then carries out the decision. Like a Talos controller,
// every pass recomputes from what it sees; only the ballot is durable, so a
// restart costs time, never safety.
import { nextDelay, initialBackoff, type Backoff } from "./backoff.js";
import { highestRound, sameNumber } from "./ballot-number.js";
import { candidates, type Candidate } from "./candidates.js";
import { clusterStatus, type ClusterStatus } from "./evidence.js";
import { acceptRequests, chosen, progress } from "./paxos.js";
import type { Ballot, BallotNumber, Nominee, Proposal, View } from "./types.js";

export interface CoreConfig {
  readonly quorum: number;
  readonly scanIntervalMs: number;
  readonly consentIntervalMs: number;
  readonly followerCheckIntervalMs: number;
  readonly preBootstrapDelayMs: number;
  readonly maxBackoffMs: number;
}

export type BootstrapState =
  | { readonly kind: "none" }
  /** Bootstrap answered OK or AlreadyExists: wait for our etcd to run. */
  | { readonly kind: "requested"; readonly at: number }
  | { readonly kind: "retry"; readonly at: number; readonly backoff: Backoff };

export interface AgentState {
  /** Durable: the register peers read. */
  readonly ballot: Ballot;
  /** Since when this node has been the best candidate with a quorum in view. */
  readonly bestSince: number | null;
  /** No new proposal before this time (backoff after being preempted). */
  readonly proposeNotBefore: number;
  readonly proposeBackoff: Backoff;
  /** Our proposal that a higher ballot preempted; it will never succeed. */
  readonly abandoned: BallotNumber | null;
  readonly bootstrap: BootstrapState;
}

export type Decision =
  | { readonly kind: "wait"; readonly ms: number; readonly reason: string }
  | { readonly kind: "bootstrap" }
  | { readonly kind: "exit"; readonly code: 0; readonly reason: "bootstrap-succeeded" | "already-bootstrapped" };

/** What a pass saw and chose, for the log. */
export interface PassReport {
  readonly candidates: readonly Candidate[];
  readonly status: ClusterStatus;
  readonly chosen: Nominee | null;
  readonly proposal: Proposal | null;
}

export interface StepResult {
  readonly state: AgentState;
  readonly decision: Decision;
  readonly report: PassReport;
}

export function initialState(ballot: Ballot): AgentState {
  return { ballot, bestSince: null, proposeNotBefore: 0, proposeBackoff: initialBackoff, abandoned: null, bootstrap: { kind: "none" } };
}

/** step decides one pass. `random` is in [0,1) and drives only backoff jitter. */
export function step(prev: AgentState, view: View, cfg: CoreConfig, random: number): StepResult {
  // Ranked once per pass: only our own ballot changes below, never the order.
  const field = candidates(view, prev.ballot);
  let state = answer(prev, field);
  const status = clusterStatus(view, state.ballot.cluster);
  const report = (s: AgentState, nominee: Nominee | null): PassReport => ({
    candidates: withOwn(field, s.ballot),
    status,
    chosen: nominee,
    proposal: s.ballot.proposal,
  });

  if (status.kind === "bootstrapped") {
    const mine = view.self.etcd.kind === "running" && state.bootstrap.kind === "requested";
    return { state, decision: { kind: "exit", code: 0, reason: mine ? "bootstrap-succeeded" : "already-bootstrapped" }, report: report(state, null) };
  }

  state = propose(state, field, view.now, cfg, status, random);
  const seen = acceptors(field, state);
  const nominee = chosen(seen, cfg.quorum);
  if (nominee !== null) {
    return { state, decision: nominated(state, nominee, view, cfg, status), report: report(state, nominee) };
  }
  // A decision is open, or about to be (a quorum is in view): watch closely,
  // so a proposal is answered within a consent interval, not a scan interval.
  const open = seen.length >= cfg.quorum || seen.some((b) => b.promised !== null);
  const wait = Math.max(0, Math.min(open ? cfg.consentIntervalMs : cfg.scanIntervalMs, untilProposal(state, view.now, cfg)));
  return { state, decision: { kind: "wait", ms: wait, reason: open ? "consent" : "scan" }, report: report(state, null) };
}

/** afterBootstrap records the answer to our Bootstrap call. */
export function afterBootstrap(state: AgentState, answer: "ok" | "retry", now: number, cfg: CoreConfig, random: number): AgentState {
  if (answer === "ok") return { ...state, bootstrap: { kind: "requested", at: now } };
  const backoff = state.bootstrap.kind === "retry" ? state.bootstrap.backoff : initialBackoff;
  const [ms, next] = nextDelay(backoff, cfg.consentIntervalMs, cfg.maxBackoffMs, random);
  return { ...state, bootstrap: { kind: "retry", at: now + ms, backoff: next } };
}

/** withOwn is the ranked field with our current ballot in our own entry. */
function withOwn(field: readonly Candidate[], ballot: Ballot): Candidate[] {
  return field.map((c) => (c.self ? { ...c, ballot } : c));
}

function acceptors(field: readonly Candidate[], state: AgentState): Ballot[] {
  return field.map((c) => (c.self ? state.ballot : c.ballot));
}

/** The acceptor half: answer every request visible this pass, ours included. */
function answer(state: AgentState, field: readonly Candidate[]): AgentState {
  const requests: Proposal[] = [];
  for (const b of acceptors(field, state)) if (b.proposal) requests.push(b.proposal);
  const ballot = acceptRequests(state.ballot, requests);
  return ballot === state.ballot ? state : { ...state, ballot };
}

/** The proposer half: advance our proposal, or start one if we lead. */
function propose(state: AgentState, field: readonly Candidate[], now: number, cfg: CoreConfig, status: ClusterStatus, random: number): AgentState {
  const self = field.find((c) => c.self) as Candidate;
  const leads = field.length >= cfg.quorum && field[0]?.self === true && status.kind === "not-bootstrapped";
  state = { ...state, bestSince: leads ? (state.bestSince ?? now) : null };
  const ballots = acceptors(field, state);

  const own = state.ballot.proposal;
  if (own !== null && !sameNumber(state.abandoned, own.number)) {
    const p = progress(own, ballots, cfg.quorum, { id: self.id, address: self.address });
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
  return publish(state, field, { phase: "prepare", number: { round, id: self.id } });
}

/** publish replaces our request and lets our own acceptor answer it at once. */
function publish(state: AgentState, field: readonly Candidate[], proposal: Proposal): AgentState {
  return answer({ ...state, ballot: { ...state.ballot, proposal } }, field);
}

/** untilProposal is how long until we may propose: backoff or pre-bootstrap delay. */
function untilProposal(state: AgentState, now: number, cfg: CoreConfig): number {
  const own = state.ballot.proposal;
  const active = own !== null && !sameNumber(state.abandoned, own.number);
  if (state.bestSince === null || active) return Number.POSITIVE_INFINITY;
  return Math.max(state.proposeNotBefore, state.bestSince + cfg.preBootstrapDelayMs) - now;
}

/** A nominee is chosen: it alone may call Bootstrap; everyone else follows. */
function nominated(state: AgentState, nominee: Nominee, view: View, cfg: CoreConfig, status: ClusterStatus): Decision {
  if (nominee.id !== state.ballot.id) {
    return { kind: "wait", ms: cfg.followerCheckIntervalMs, reason: `following nominee ${nominee.address}` };
  }
  if (status.kind === "unknown") return { kind: "wait", ms: cfg.consentIntervalMs, reason: "etcd evidence unknown" };
  const b = state.bootstrap;
  switch (b.kind) {
    case "none":
      return { kind: "bootstrap" };
    case "requested":
      return { kind: "wait", ms: cfg.consentIntervalMs, reason: "waiting for etcd to run" };
    case "retry":
      return b.at <= view.now ? { kind: "bootstrap" } : { kind: "wait", ms: b.at - view.now, reason: "bootstrap backoff" };
    default: {
      const unreachable: never = b;
      throw new Error(`unknown bootstrap state ${JSON.stringify(unreachable)}`);
    }
  }
}
