// What a pass tells the operator: the election and the consent state when
// they change (not every pass), doubt about etcd when it starts, and once per
// full scan, while waiting, why (core/waiting.ts).
import type { Config } from "../config/env.js";
import type { StepResult } from "../core/agent.js";
import { ranking } from "../core/candidates.js";
import type { View } from "../core/types.js";
import { whyWaiting } from "../core/waiting.js";
import type { Logger } from "../log.js";

export function report(log: Logger, prev: StepResult | null, cur: StepResult, view: View, full: boolean, config: Config): void {
  const r = cur.report;
  const leader = r.candidates[0];
  const key = (s: StepResult | null) => (s ? s.report.candidates.map((c) => `${c.id}@${c.address}`).join(",") : "");
  if (key(prev) !== key(cur)) {
    log.info(
      {
        leader: leader?.address,
        is_leader: leader?.self === true,
        candidates: r.candidates.map((c) => ({ address: c.address, bootTime: c.bootTime.toString(), id: c.id })),
        quorum: config.quorum,
        quorumSeen: r.candidates.length >= config.quorum,
      },
      "election",
    );
  }
  // Too many control planes is no longer a warning: the core refuses ("refusing to act").
  if (r.refusals.length > 0 && r.refusals.join("\n") !== (prev?.report.refusals.join("\n") ?? "")) {
    log.error({ refusals: r.refusals }, "ballots not counted");
  }
  // Once per change of who: a peer's ballot we cannot read is never a vote, and the operator should know whose.
  const unreadableAt = (x: StepResult | null) => (x?.report.unreadable ?? []).map((u) => u.slice(0, u.indexOf(":"))).join(",");
  if (r.unreadable.length > 0 && unreadableAt(prev) !== unreadableAt(cur)) log.warn({ ballots: r.unreadable }, "ballots unreadable: not counted");
  if (r.recovered !== null) log.warn({ note: r.recovered }, "ballot recovered from the peers' witnesses");
  const before = prev?.state.ballot;
  const after = cur.state.ballot;
  if (before?.promised !== after.promised || before?.accepted !== after.accepted || before?.proposal !== after.proposal || prev?.report.chosen?.id !== r.chosen?.id) {
    log.info({ promised: after.promised, accepted: after.accepted, proposal: after.proposal, chosen: r.chosen }, "consent");
  }
  if (prev?.report.status.kind !== r.status.kind && r.status.kind === "unknown") {
    log.warn({ reasons: r.status.reasons }, "etcd state unknown on a control plane: not bootstrapping this round");
  }
  if (full && cur.decision.kind === "wait") log.info({ why: whyWaiting(cur, view, config.quorum) }, "waiting");
}

/** dryRun reports who would be nominated: every control plane in view, ranked as nominees are. */
export function dryRun(log: Logger, view: View, quorum: number): number {
  const ranked = ranking(view);
  log.info(
    { leader: ranked[0]?.address, candidates: ranked.map((r) => ({ address: r.address, bootTime: r.bootTime.toString() })), quorum, quorumSeen: ranked.length >= quorum },
    "dry run: would nominate",
  );
  return 0;
}
