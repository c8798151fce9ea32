// The agent's state between passes. Only `ballot` is durable; the rest lives
// in the process and is rebuilt (slower, never less safely) after a restart.
import { initialBackoff, type Backoff } from "./backoff.js";
import type { Ballot, BallotNumber } from "./types.js";

/**
 * The upper bound of QUORUM_NODES and CONTROL_PLANES, in the configuration
 * and in every ballot: one constant, so a value the agent accepts at start is
 * never one its ballot codec refuses.
 */
export const MAX_SETTING = 1000;

export interface CoreConfig {
  readonly quorum: number;
  /** TALOS_AUTO_BOOTSTRAP_CONTROL_PLANES, or null when not stated. */
  readonly controlPlanes: number | null;
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

/**
 * Recovery runs once per process: until it is done the agent answers
 * nothing, proposes nothing and writes nothing (docs/consent.md, "Rollback").
 * `fresh`: the ballot was made this run and is not on disk yet; `replaces`:
 * the id of the file on disk it replaces (a copy from another machine), which
 * our own apid serves until then.
 */
export type RecoveryState =
  | { readonly kind: "pending"; readonly fresh: boolean; readonly replaces: string | null; readonly since: number | null }
  | { readonly kind: "done" };

export interface AgentState {
  /** Durable: the register peers read. */
  readonly ballot: Ballot;
  readonly recovery: RecoveryState;
  /** Since when this node has been the best candidate with a quorum in view. */
  readonly bestSince: number | null;
  /** No new proposal before this time (backoff after being preempted). */
  readonly proposeNotBefore: number;
  readonly proposeBackoff: Backoff;
  /** Our proposal that a higher ballot preempted; it will never succeed. */
  readonly abandoned: BallotNumber | null;
  readonly bootstrap: BootstrapState;
}

/**
 * initialState: `fresh` when the shell just made this ballot (no usable file
 * on disk), `replaces` the id of the unusable file it found there, if any.
 */
export function initialState(ballot: Ballot, fresh = false, replaces: string | null = null): AgentState {
  return {
    ballot,
    recovery: { kind: "pending", fresh, replaces, since: null },
    bestSince: null,
    proposeNotBefore: 0,
    proposeBackoff: initialBackoff,
    abandoned: null,
    bootstrap: { kind: "none" },
  };
}
