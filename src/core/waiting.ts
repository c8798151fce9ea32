// Why a waiting agent waits, in words an operator can act on: which control
// planes it sees, how many it needs, and who or what it waits for. The shell
// logs it once per full scan (`waiting`, field `why`).
import type { StepResult } from "./agent.js";
import { compareNumbers, highestRound, MAX_ROUND, sameNumber } from "./ballot-number.js";
import type { Candidate } from "./candidates.js";
import type { View } from "./types.js";

/** whyWaiting describes a pass whose decision is to wait. */
export function whyWaiting(r: StepResult, view: View, quorum: number): string {
  const { candidates, status, chosen } = r.report;
  if (status.kind === "unknown") {
    return `etcd state unknown on ${status.reasons.join("; ")}: nobody bootstraps until it can be read`;
  }
  const self = candidates.find((c) => c.self);
  if (chosen !== null && chosen.id !== self?.id) return `following nominee ${chosen.address}: waiting for its etcd to run`;
  if (chosen !== null) {
    return r.state.bootstrap.kind === "retry"
      ? "nominated: Bootstrap not possible yet, calling again after a backoff"
      : "nominated and bootstrapped: waiting for etcd to run on this node";
  }
  if (candidates.length < quorum) return `${seen(candidates, quorum)}${strangers(view)}`;
  const open = latestProposer(candidates);
  if (open !== undefined) return `quorum ${quorum} in view; ${progress(open, candidates, quorum)}`;
  const best = candidates[0];
  const top = highestRound(candidates.map((c) => c.ballot));
  if (top >= MAX_ROUND) {
    return `quorum ${quorum} in view; no proposal can go above round ${top}, the highest a ballot may carry (2^31): a control plane published it, which only a holder of admin credentials can do; bootstrap one control plane by hand (talosctl bootstrap)`;
  }
  if (best === undefined || best.self) return `quorum ${quorum} in view; this node is the best candidate and proposes after the pre-bootstrap delay`;
  return `quorum ${quorum} in view; waiting for the best candidate ${best.address} to propose`;
}

/** latestProposer: the candidate whose own proposal carries the highest ballot number. */
function latestProposer(candidates: readonly Candidate[]): Candidate | undefined {
  let best: Candidate | undefined;
  for (const c of candidates) {
    const n = c.ballot.proposal?.number;
    if (n === undefined || n.id !== c.id) continue;
    const bestNumber = best?.ballot.proposal?.number;
    if (bestNumber === undefined || compareNumbers(n, bestNumber) > 0) best = c;
  }
  return best;
}

/** seen: "quorum 3: 2 control planes of this cluster seen (10.0.0.2 (this node), 10.0.0.3)". */
function seen(candidates: readonly Candidate[], quorum: number): string {
  const list = candidates.map((c) => (c.self ? `${c.address} (this node)` : c.address)).join(", ");
  const n = candidates.length;
  return `quorum ${quorum}: ${n} control plane${n === 1 ? "" : "s"} of this cluster seen (${list})`;
}

/** strangers: control planes in view that cannot vote yet (no agent, or a ballot we cannot read). */
function strangers(view: View): string {
  const missing = view.peers.filter((p) => p.ballot.kind === "missing").map((p) => p.address);
  const unreadable = view.peers.filter((p) => p.ballot.kind === "unreadable").map((p) => p.address);
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`no ballot yet (agent not running?) on ${missing.join(", ")}`);
  if (unreadable.length > 0) parts.push(`ballot unreadable on ${unreadable.join(", ")}`);
  return parts.map((p) => `; ${p}`).join("");
}

/** progress: how far the open proposal got, counted the way its proposer counts. */
function progress(proposer: Candidate, candidates: readonly Candidate[], quorum: number): string {
  const p = proposer.ballot.proposal;
  if (p === null) return "no proposal";
  const who = proposer.self ? "this node" : proposer.address;
  const answered =
    p.phase === "prepare"
      ? candidates.filter((c) => sameNumber(c.ballot.promised, p.number)).length
      : candidates.filter((c) => sameNumber(c.ballot.accepted?.number, p.number)).length;
  const verb = p.phase === "prepare" ? "promised" : "accepted";
  return `proposal round ${p.number.round} by ${who}: ${verb} by ${answered}, ${quorum} needed`;
}
