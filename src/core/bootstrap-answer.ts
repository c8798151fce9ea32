// What an answer to MachineService/Bootstrap means (TALOS.md §5), as a table
// over call-failure kinds: the daemon and the simulator both classify their
// Bootstrap answers here, so the two cannot drift apart.
import type { CallFailureKind } from "./call-failure.js";

export type BootstrapAnswer =
  /** OK: etcd is being created on this node. */
  | { readonly kind: "ok" }
  /** AlreadyExists: this node's etcd has data already. */
  | { readonly kind: "already-exists" }
  /** Not now (FailedPrecondition, Unavailable, a timeout): call again later. */
  | { readonly kind: "retry"; readonly reason: string }
  /** Never on this node (not a control plane, etcd-less, not authorized): stop. */
  | { readonly kind: "refused"; readonly reason: string };

/** A failed call: its kind and the server's or transport's words. */
export interface CallFailure {
  readonly kind: CallFailureKind;
  readonly message: string;
}

/** bootstrapAnswer classifies one Bootstrap call; `failure` null is status OK. */
export function bootstrapAnswer(failure: CallFailure | null): BootstrapAnswer {
  if (failure === null) return { kind: "ok" };
  const reason = failure.message;
  switch (failure.kind) {
    case "already-exists":
      return { kind: "already-exists" };
    // Not yet: time not in sync, CRI not up, apid restarting, a lost reply
    // (the call may have worked: the next pass sees etcd, or AlreadyExists).
    case "failed-precondition":
    case "unavailable":
    case "timeout":
    case "canceled":
    case "refused":
    case "unknown":
    case "malformed":
      return { kind: "retry", reason };
    // Never on this node: not a control plane (≥1.13 Unimplemented),
    // etcd-less (≥1.14 InvalidArgument), our certificate refused.
    case "unimplemented":
    case "invalid-argument":
    case "permission-denied":
    case "tls-rejected":
    case "foreign":
    case "not-found":
      return { kind: "refused", reason };
    default: {
      const unreachable: never = failure.kind;
      return { kind: "refused", reason: `unknown failure kind ${String(unreachable)}` };
    }
  }
}

/**
 * afterAnswer is what the agent does next: "ok" waits for this node's etcd
 * to run (AlreadyExists too: the data is there), "retry" calls again after a
 * backoff, "stop" ends the agent with exit 1 and never calls again.
 */
export function afterAnswer(answer: BootstrapAnswer): "ok" | "retry" | "stop" {
  switch (answer.kind) {
    case "ok":
    case "already-exists":
      return "ok";
    case "retry":
      return "retry";
    case "refused":
      return "stop";
    default: {
      const unreachable: never = answer;
      throw new Error(`unknown answer ${JSON.stringify(unreachable)}`);
    }
  }
}
