// How a call to a Talos node failed, as a value the core can decide on. The
// talos/ client names every failure with one of these (TalosError.kind); the
// core's tables (core/bootstrap-answer.ts) switch on them, never on gRPC codes.
export type CallFailureKind =
  | "refused" // nothing listens (TCP RST)
  | "timeout" // no answer within the deadline
  | "tls-rejected" // the server refused our client certificate / aborted the handshake
  | "foreign" // server cert not from our CA, or the dialed IP is not in its SANs
  | "permission-denied"
  | "not-found"
  | "already-exists"
  | "failed-precondition"
  | "unimplemented"
  | "invalid-argument"
  | "unavailable"
  | "canceled"
  | "malformed" // not gRPC, garbage, or replies that make no sense
  | "unknown";
