// What the handlers of one fake node share: its spec, its clock origin and
// its etcd; and the shape of a handler.
import type { Caller } from "./tls.js";
import type { EtcdModel } from "./etcd.js";
import type { ResolvedSpec } from "./spec.js";

export interface NodeRuntime {
  readonly spec: ResolvedSpec;
  /** Date.now() when the node started: "uptime" for the bootstrap-availability knob. */
  readonly startedAt: number;
  readonly etcd: EtcdModel;
}

export interface CallContext {
  readonly caller: Caller;
  readonly signal: AbortSignal;
  readonly now: number;
}

/** Returns the reply messages: exactly one for a unary method, any number for a stream. */
export type Handler = (request: unknown, ctx: CallContext) => Promise<readonly object[]>;

/** cri is up: before that Talos answers Bootstrap with "bootstrap is not available yet". */
export const criReady = (rt: NodeRuntime, now: number): boolean => now - rt.startedAt >= rt.spec.bootstrapAvailableAfterMs;
