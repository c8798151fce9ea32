// The agent's decisions, as one pure step per pass: the shell observes the
// world (scan, peers' ballots, etcd evidence), calls step(), persists the
// returned ballot, then carries out the decision. Like a Talos controller,
// every pass recomputes from what it sees; only the ballot is durable, so a
// restart costs time, never safety.
import { nextDelay, initialBackoff } from "./backoff.js";
import { candidates, type Candidate } from "./candidates.js";
import { clusterStatus, type ClusterStatus } from "./evidence.js";
import { countGuard, settingsGuard } from "./guards.js";
import { chosen } from "./paxos.js";
import { answer, propose, registers, untilProposal } from "./proposer.js";
import { checkOfUs, recover } from "./recovery.js";
import type { AgentState, CoreConfig } from "./state.js";
import { survey } from "./survey.js";
import type { Ballot, Nominee, Proposal, Settings, View } from "./types.js";
import { describeError, isLearnError, learn } from "./witness.js";

export { initialState, type AgentState, type BootstrapState, type CoreConfig } from "./state.js";

export type Decision =
  | { readonly kind: "wait"; readonly ms: number; readonly reason: string }
  | { readonly kind: "bootstrap" }
  | { readonly kind: "exit"; readonly code: 0; readonly reason: "bootstrap-succeeded" | "already-bootstrapped" }
  /** A guarantee no longer holds: stop with exit 1 and this one line (Talos restarts the service). */
  | { readonly kind: "halt"; readonly code: 1; readonly reason: string };

/** What a pass saw and chose, for the log. */
export interface PassReport {
  readonly candidates: readonly Candidate[];
  readonly status: ClusterStatus;
  readonly chosen: Nominee | null;
  readonly proposal: Proposal | null;
  /** Reads not counted this pass and why (one host posing as several, …). */
  readonly refusals: readonly string[];
  /** Distinct control planes of our cluster in view, and ballot ids ever seen (self included). */
  readonly controlPlanes: number;
  readonly everSeen: number;
  /** What recovery adopted at start, when it adopted anything. */
  readonly recovered: string | null;
  /** Control planes whose ballot could not be read or decoded this pass: "address: why". */
  readonly unreadable: readonly string[];
}

export interface StepResult {
  readonly state: AgentState;
  readonly decision: Decision;
  readonly report: PassReport;
}

/** step decides one pass. `random` is in [0,1) and drives only backoff jitter. */
export function step(prev: AgentState, view: View, cfg: CoreConfig, random: number): StepResult {
  const settings: Settings = { quorum: cfg.quorum, controlPlanes: cfg.controlPlanes };
  const s = survey(view, prev.ballot, settings);
  const status = clusterStatus(view, prev.ballot, s);
  // Ranked once per pass: only our own ballot changes below, never the order.
  const field = candidates(view, prev.ballot, s.acceptors);
  let recovered: string | null = null;
  const result = (state: AgentState, decision: StepResult["decision"], nominee: Nominee | null = null): StepResult => ({
    state,
    decision,
    report: {
      candidates: field.map((c) => (c.self ? { ...c, id: state.ballot.id, ballot: state.ballot } : c)),
      status,
      chosen: nominee,
      proposal: state.ballot.proposal,
      refusals: s.refusals,
      controlPlanes: s.hosts,
      everSeen: 1 + Object.keys(state.ballot.peers).length,
      recovered,
      unreadable: view.peers.flatMap((p) => (p.ballot.kind === "unreadable" ? [`${p.address}: ${p.ballot.reason}`] : [])),
    },
  });
  const halt = (reason: string): StepResult => result(prev, { kind: "halt", code: 1, reason });

  // Settled for good: record it, so every later run on any boot exits at once.
  if (status.kind === "bootstrapped") {
    const state = prev.ballot.bootstrapped ? prev : { ...prev, ballot: { ...prev.ballot, bootstrapped: true } };
    const mine = view.self.etcd.kind === "running" && prev.bootstrap.kind === "requested";
    return result(state, { kind: "exit", code: 0, reason: mine ? "bootstrap-succeeded" : "already-bootstrapped" });
  }
  if (s.halts.length > 0) return halt(s.halts.join("; "));
  const there = view.self.ballot;
  // Until a fresh ballot is first written, the file our apid serves is not
  // ours yet: none, or the very file it replaces (a copied EPHEMERAL). Any
  // other ballot there means another node answers at our address: it moved.
  const replaced = prev.recovery.kind === "pending" && prev.recovery.fresh && there.kind === "ok" && there.ballot.id === prev.recovery.replaces;
  if (!replaced && there.kind === "ok" && (there.ballot.id !== prev.ballot.id || there.ballot.machine !== prev.ballot.machine)) {
    return halt(moved(view.self.address, `ballot id ${there.ballot.id}`));
  }
  const change = settingsGuard(prev.ballot, settings);
  if (typeof change === "object") return halt(change.halt);

  // Other settings on a peer stop us, but only with our own ballot (and so
  // our settings) published: an agent that stopped unpublished would leave a
  // peer that started first waiting for ever, never learning that they differ.
  const mismatch = (st: AgentState): StepResult => result(st, { kind: "halt", code: 1, reason: s.mismatches.join("; ") });

  let state = prev;
  if (state.recovery.kind === "pending") {
    const since = state.recovery.since ?? view.now;
    const r = recover(state.ballot, state.recovery.fresh, s, cfg.quorum, view.now - since >= cfg.scanIntervalMs);
    if (r.kind === "halt") return halt(r.reason);
    // Too early to recover: our ballot is written as it is, with our settings
    // (a fresh one is a new acceptor that promised nothing; settingsGuard allowed the change).
    if (r.kind === "wait" && s.mismatches.length > 0) return mismatch({ ...state, ballot: { ...state.ballot, settings } });
    if (r.kind === "wait") {
      const ms = r.long ? cfg.scanIntervalMs : cfg.consentIntervalMs;
      return result({ ...state, recovery: { ...state.recovery, since } }, { kind: "wait", ms, reason: r.reason });
    }
    state = { ...state, ballot: r.ballot, recovery: { kind: "done" } };
    recovered = r.note;
  } else {
    const clone = checkOfUs(state.ballot, s.ofUs);
    if (clone !== null) return halt(clone);
  }
  if (change === "update") state = { ...state, ballot: { ...state.ballot, settings } };
  if (s.mismatches.length > 0) return mismatch(state);

  const peers = learn(state.ballot, s.acceptors);
  if (isLearnError(peers)) {
    return halt(peers.kind === "too-many" ? `${peers.ids} ballot ids of this cluster ever seen: more than this agent tracks` : describeError(peers));
  }
  const over = countGuard(settings, s.hosts, 1 + Object.keys(peers).length);
  if (over !== null) return halt(over);
  // A new id is persisted at once (the ids ever seen bound the acceptors);
  // what known registers now show rides along with this node's next write.
  if (Object.keys(peers).length > Object.keys(state.ballot.peers).length) state = { ...state, ballot: { ...state.ballot, peers } };
  const r = decide(state, view, cfg, field, status, random, result);
  // Every write, and any Bootstrap, carries the witnesses of this pass: what
  // this node does on what it read is durable together with the reads, which
  // is what lets a register that goes back in time find its state again.
  if (peers === r.state.ballot.peers || (r.state.ballot === prev.ballot && r.decision.kind !== "bootstrap")) return r;
  return { ...r, state: { ...r.state, ballot: { ...r.state.ballot, peers } } };
}

/** decide is Paxos proper, once every guard has passed: answer, propose, learn, act. */
function decide(
  prev: AgentState,
  view: View,
  cfg: CoreConfig,
  field: readonly Candidate[],
  status: ClusterStatus,
  random: number,
  result: (state: AgentState, decision: Decision, nominee?: Nominee | null) => StepResult,
): StepResult {
  let state = answer(prev, field);
  state = propose(state, field, view.now, cfg, status, random);
  const seen = registers(field, state);
  const nominee = chosen(seen, cfg.quorum);
  if (nominee !== null) return result(state, nominated(state, nominee, view, cfg, status), nominee);
  // A decision is open, or about to be (a quorum is in view): watch closely,
  // so a proposal is answered within a consent interval, not a scan interval.
  const open = seen.length >= cfg.quorum || seen.some((b) => b.promised !== null);
  const wait = Math.max(0, Math.min(open ? cfg.consentIntervalMs : cfg.scanIntervalMs, untilProposal(state, view.now, cfg)));
  return result(state, { kind: "wait", ms: wait, reason: open ? "consent" : "scan" });
}

/** afterBootstrap records the answer to our Bootstrap call. */
export function afterBootstrap(state: AgentState, answer: "ok" | "retry", now: number, cfg: CoreConfig, random: number): AgentState {
  if (answer === "ok") return { ...state, bootstrap: { kind: "requested", at: now } };
  const backoff = state.bootstrap.kind === "retry" ? state.bootstrap.backoff : initialBackoff;
  const [ms, next] = nextDelay(backoff, cfg.consentIntervalMs, cfg.maxBackoffMs, random);
  return { ...state, bootstrap: { kind: "retry", at: now + ms, backoff: next } };
}

const moved = (address: string, who: string): string =>
  `${address} answers as ${who}, not this machine: this node's address moved; restarting to find it`;

/** A nominee is chosen: it alone may call Bootstrap; everyone else follows. */
function nominated(state: AgentState, nominee: Nominee, view: View, cfg: CoreConfig, status: ClusterStatus): Decision {
  const own: Ballot = state.ballot;
  if (nominee.id !== own.id || nominee.machine !== own.machine) {
    return { kind: "wait", ms: cfg.followerCheckIntervalMs, reason: `following nominee ${nominee.address}` };
  }
  // A clone that kept our id and binding shares the nominee's identity, not its address.
  if (![view.self.address, ...view.self.addresses].includes(nominee.address)) {
    return {
      kind: "halt",
      code: 1,
      reason: `the chosen nominee is this ballot id at ${nominee.address}, which is not an address of this machine: a clone of the nominee, or this machine moved after it was chosen (then bootstrap by hand, docs/consent.md)`,
    };
  }
  if (status.kind === "unknown") return { kind: "wait", ms: cfg.consentIntervalMs, reason: "etcd evidence unknown" };
  // Bootstrap goes to our own address: the node answering there must be us.
  const there = view.self.ballot;
  if (there.kind === "unreadable") return { kind: "wait", ms: cfg.consentIntervalMs, reason: `cannot confirm that ${view.self.address} is this machine: ${there.reason}` };
  if (there.kind === "missing" || there.ballot.id !== own.id || there.ballot.machine !== own.machine) {
    return { kind: "halt", code: 1, reason: moved(view.self.address, there.kind === "missing" ? "a node without our ballot" : `ballot id ${there.ballot.id}`) };
  }
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
