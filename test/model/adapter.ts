// The ONE place where the model checker touches the core: how a node's reads
// become a View, how a decision becomes a model action, what a ballot says
// (its acceptance, its accept request), and which fields of AgentState are
// times. Everything else in test/model sees AgentState and Ballot as opaque
// values it stores, hashes and passes back. When the core changes (new View
// fields, new ballot fields, a new decision), this file is what to update.
import { afterBootstrap, initialState, step, type AgentState, type CoreConfig } from "../../src/core/agent.js";
import { compareNumbers } from "../../src/core/ballot-number.js";
import type { Ballot, PeerView, View } from "../../src/core/types.js";
import { regression } from "../sim/registers.js";

export type { AgentState, Ballot };
/** The pass function under test: the real `step`, or a broken variant (mutants.ts). */
export type StepFn = typeof step;
export const realStep: StepFn = step;

export interface NodeSpec {
  readonly name: string;
  readonly id: string;
  readonly address: string;
  readonly bootTime: bigint;
}

/** Three control planes; A boots first, so A is the one every full view ranks best. */
export const NODES: readonly NodeSpec[] = ["A", "B", "C"].map((name, i) => ({
  name,
  id: name.toLowerCase().repeat(32),
  address: `10.0.0.${i + 1}`,
  bootTime: BigInt(1_767_225_600 + i),
}));

const CLUSTER = { ca: "f".repeat(64), name: "model", endpoint: "https://model.example:6443" };

/**
 * The QUORUM_NODES every register publishes: the core refuses a peer whose
 * settings differ, so a model with another quorum must change this too.
 */
const QUORUM = 2;

/** Only the ratios matter: time is abstract (see tick in actions.ts). */
export function coreConfig(quorum: number, preBootstrapDelayMs: number): CoreConfig {
  if (quorum !== QUORUM) throw new Error(`the model's registers publish QUORUM_NODES=${QUORUM}: update freshBallot in test/model/adapter.ts`);
  return { quorum, controlPlanes: null, scanIntervalMs: 10_000, consentIntervalMs: 1_000, followerCheckIntervalMs: 5_000, preBootstrapDelayMs, maxBackoffMs: 8_000 };
}

/** A node's machine binding: one per node (the model has no clones). */
const machineOf = (n: NodeSpec): string => n.id.slice(0, 1).repeat(64);

export function freshBallot(n: NodeSpec): Ballot {
  return {
    version: 2,
    id: n.id,
    machine: machineOf(n),
    cluster: CLUSTER,
    settings: { quorum: QUORUM, controlPlanes: null },
    promised: null,
    accepted: null,
    proposal: null,
    bootstrapped: false,
    peers: {},
  };
}

/**
 * firstBoot is the agent's first start, on the ballot it has just made (the
 * model puts it on disk first, so it is not "fresh" to the core: recovery
 * still runs, comparing it with what the peers read of it).
 */
export const firstBoot = (ballot: Ballot): AgentState => initialState(ballot);
/** boot is a restart after a crash: volatile state from nothing but the durable ballot. */
export const boot = (ballot: Ballot): AgentState => initialState(ballot);
export const ballotOf = (s: AgentState): Ballot => s.ballot;

/**
 * withoutWitnesses: the model abstracts a ballot's witnesses (`peers`) away.
 * They serve a register that went back in time, a clone, and the count of
 * ids ever seen; the model has no rollback and no clone, and its three ids
 * never outnumber quorum 2, so they never change a decision here. Kept, they
 * would only split each state by what was read when (the simulator's fault
 * families exercise them instead).
 */
const EMPTY = Object.freeze({});
const withoutWitnesses = (s: AgentState): AgentState =>
  Object.keys(s.ballot.peers).length === 0 ? s : { ...s, ballot: { ...s.ballot, peers: EMPTY } };

/** What the model does after a pass: nothing, send Bootstrap, or stop this agent for good. */
export type Outcome = "wait" | "bootstrap" | "stop";

export interface PassResult {
  readonly state: AgentState;
  readonly outcome: Outcome;
  /** The nominee id this pass learned as chosen, if any. */
  readonly learned: string | null;
  readonly reason: string;
}

/**
 * pass runs one step on the View made of this node's latest reads. The
 * clock of every agent reads 0: times in AgentState are kept relative to it
 * (rebase below), and etcd never runs (the worst case for safety: no one
 * ever sees evidence that would make it stand down).
 */
export function pass(stepFn: StepFn, s: AgentState, self: NodeSpec, reads: readonly (Ballot | null)[], cfg: CoreConfig, random: number): PassResult {
  const peers: PeerView[] = [];
  const absent = { kind: "absent", state: "Preparing" } as const;
  NODES.forEach((n, i) => {
    const b = reads[i];
    if (n !== self && b !== null && b !== undefined) {
      peers.push({ address: n.address, bootTime: n.bootTime, etcd: absent, etcdData: { kind: "empty" }, ballot: { kind: "ok", ballot: b }, serverKey: null });
    }
  });
  // Our own ballot, read back through our own apid: the durable one.
  const me = { address: self.address, addresses: [self.address], bootTime: self.bootTime, etcd: absent, etcdData: { kind: "empty" } as const, ballot: { kind: "ok", ballot: s.ballot } as const, serverKey: null };
  const view: View = { now: 0, self: me, peers };
  const raw = stepFn(s, view, cfg, random);
  const r = { ...raw, state: withoutWitnesses(raw.state) };
  const d = r.decision;
  const learned = r.report.chosen?.id ?? null;
  switch (d.kind) {
    case "wait":
      return { state: r.state, outcome: "wait", learned, reason: d.reason };
    case "bootstrap":
      return { state: r.state, outcome: "bootstrap", learned, reason: "" };
    case "exit":
      return { state: r.state, outcome: "stop", learned, reason: `exit 0: ${d.reason}` };
    case "halt":
      return { state: r.state, outcome: "stop", learned, reason: `halt: ${d.reason}` };
    default: {
      const unreachable: never = d;
      throw new Error(`unknown decision ${JSON.stringify(unreachable)}`);
    }
  }
}

/** reply is the answer to our Bootstrap call: "retry" stands for a lost reply or FailedPrecondition. */
export const reply = (s: AgentState, answer: "ok" | "retry", cfg: CoreConfig, random: number): AgentState => afterBootstrap(s, answer, 0, cfg, random);

/** timers are the instants (relative to the agent's clock, 0) at which a pass could decide differently. */
export function timers(s: AgentState, cfg: CoreConfig): number[] {
  const t = [s.proposeNotBefore];
  if (s.bestSince !== null) t.push(s.bestSince + cfg.preBootstrapDelayMs);
  // Recovery stops waiting for an unreadable peer one scan interval after it started.
  if (s.recovery.kind === "pending" && s.recovery.since !== null) t.push(s.recovery.since + cfg.scanIntervalMs);
  if (s.bootstrap.kind === "retry") t.push(s.bootstrap.at);
  return t.filter((x) => x > 0);
}

/**
 * rebase moves the agent's clock forward by `ms` and re-expresses its times
 * relative to the new now. Times already past are clamped to one value each,
 * because the core only compares them with now (a past instant is as good as
 * any other past instant), which keeps the state space finite.
 */
export function rebase(s: AgentState, ms: number, cfg: CoreConfig): AgentState {
  const past = (t: number): number => Math.max(t - ms, 0);
  const b = s.bootstrap;
  const r = s.recovery;
  return {
    ...s,
    recovery: r.kind === "pending" && r.since !== null ? { ...r, since: Math.max(r.since - ms, -cfg.scanIntervalMs) } : r,
    bestSince: s.bestSince === null ? null : Math.max(s.bestSince - ms, -cfg.preBootstrapDelayMs),
    proposeNotBefore: past(s.proposeNotBefore),
    bootstrap: b.kind === "none" ? b : { ...b, at: past(b.at) },
  };
}

/** The fields of AgentState that coreKey writes. */
const CORE_FIELDS = 7;

/**
 * coreKey writes an agent's volatile state compactly for the state key (the
 * checker's hot path), its ballot by number. A field this does not know
 * stops the run, rather than silently merging states that differ.
 */
export function coreKey(s: AgentState, ballotId: (b: Ballot) => number): string {
  if (Object.keys(s).length !== CORE_FIELDS) throw new Error(`AgentState is now {${Object.keys(s).join(",")}}: update coreKey in test/model/adapter.ts`);
  const b = s.bootstrap;
  const at = b.kind === "none" ? "" : b.kind === "retry" ? `${b.at}/${b.backoff.attempt}` : `${b.at}`;
  const abandoned = s.abandoned === null ? "-" : `${s.abandoned.round}.${s.abandoned.id}`;
  const r = s.recovery;
  const recovery = r.kind === "done" ? "R" : `r${r.fresh ? "f" : ""}${r.since ?? "-"}`;
  return `${ballotId(s.ballot)} ${recovery} ${s.bestSince ?? "-"} ${s.proposeNotBefore} ${s.proposeBackoff.attempt} ${abandoned} ${b.kind}${at}`;
}

/** A vote: a ballot number with the nominee it carries. */
export interface Vote {
  readonly round: number;
  readonly id: string;
  readonly nominee: string;
}

export const acceptedOf = (b: Ballot): Vote | null => (b.accepted === null ? null : { ...b.accepted.number, nominee: b.accepted.nominee.id });
export const requestOf = (b: Ballot): Vote | null => (b.proposal?.phase === "accept" ? { ...b.proposal.number, nominee: b.proposal.nominee.id } : null);
export const compareVotes = (a: Vote, b: Vote): number => compareNumbers(a, b);

/** brokenPromise says how a register write broke a promise (the simulator's pair assertions). */
export const brokenPromise = (prev: Ballot, next: Ballot): string | null => regression(prev, next);

/** describe shows a ballot in a trace line. */
export function describe(b: Ballot): string {
  const num = (n: { round: number; id: string } | null): string => (n === null ? "-" : `${n.round}${name(n.id)}`);
  const acc = b.accepted === null ? "-" : `${num(b.accepted.number)}→${name(b.accepted.nominee.id)}`;
  const p = b.proposal;
  const prop = p === null ? "-" : p.phase === "prepare" ? `prepare ${num(p.number)}` : `accept ${num(p.number)}→${name(p.nominee.id)}`;
  return `promised ${num(b.promised)}, accepted ${acc}, proposal ${prop}`;
}

/** name turns a ballot id back into A, B or C. */
export const name = (id: string): string => NODES.find((n) => n.id === id)?.name ?? id.slice(0, 6);

/** describeCore shows an agent's volatile state in a final-state dump. */
export function describeCore(s: AgentState): string {
  const b = s.bootstrap;
  return `${s.recovery.kind === "done" ? "recovered" : "recovering"}, bestSince ${s.bestSince ?? "-"}, notBefore ${s.proposeNotBefore}, backoff ${s.proposeBackoff.attempt}, abandoned ${s.abandoned === null ? "-" : `${s.abandoned.round}${name(s.abandoned.id)}`}, bootstrap ${b.kind}${b.kind === "none" ? "" : `@${b.at}`}`;
}
