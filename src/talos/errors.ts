// One error type for everything that can go wrong talking to a Talos node,
// with the kind callers switch on; the raw gRPC code and message are kept for
// logs. Every failure of a call ends up here, so nothing else escapes.
import { status as Status } from "@grpc/grpc-js";
import type { CallFailureKind } from "../core/call-failure.js";

/** The kinds live in the core, which decides on them; this file only names failures. */
export type TalosErrorKind = CallFailureKind;

export class TalosError extends Error {
  override readonly name = "TalosError";
  readonly kind: TalosErrorKind;
  /** The gRPC status code, or null when the failure was below gRPC. */
  readonly code: number | null;
  /** The server's or the transport's own words, unedited. */
  readonly rawMessage: string;

  constructor(kind: TalosErrorKind, rawMessage: string, options: { code?: number | null; cause?: unknown } = {}) {
    super(`${kind}: ${rawMessage}`, { cause: options.cause });
    this.kind = kind;
    this.code = options.code ?? null;
    this.rawMessage = rawMessage;
  }
}

// Node's error codes for X.509 verification failures (a cert we must not trust).
const VERIFY_CODES = /^(UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|CERT_|ERR_TLS_CERT_ALTNAME|INVALID_CA|PATH_LENGTH|HOSTNAME_MISMATCH)/;
// The same failures as OpenSSL words them (grpc-js keeps only the text), plus
// our own peer check's words.
const FOREIGN =
  /unable to verify|self[- ]signed certificate|unable to get (local )?issuer|certificate signature failure|certificate has expired|certificate is not yet valid|unsupported certificate purpose|certificate (not trusted|rejected)|does not match certificate's altnames|ERR_TLS_CERT_ALTNAME_INVALID|not verified by the machine CA/i;
// A TLS alert sent by the server: it did not accept our certificate.
const ALERT = /alert (bad certificate|unknown ca|certificate required|certificate unknown|handshake failure|access denied|decrypt error|unsupported certificate|certificate revoked|certificate expired)|ALERT_(BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_REQUIRED|CERTIFICATE_UNKNOWN|HANDSHAKE_FAILURE|ACCESS_DENIED|DECRYPT_ERROR)/i;
// TLS or HTTP/2 spoken wrongly: the peer is not a TLS/gRPC server.
const GARBAGE =
  /wrong version number|packet length too long|record layer failure|unexpected (eof|message)|no application protocol|http\/1|Protocol error|NGHTTP2|ERR_HTTP2|Received HTTP status code|parsing error|invalid (length|header)|bad record/i;

export type TlsVerdict = Extract<TalosErrorKind, "foreign" | "tls-rejected" | "malformed">;

/**
 * classifyTls is the one TLS-failure classifier: the scan's hand-made
 * handshake (Node error code and message) and the gRPC calls (text only)
 * both name a failed handshake here. Null: nothing TLS-specific in it.
 */
export function classifyTls(text: string, code = ""): TlsVerdict | null {
  if (VERIFY_CODES.test(code)) return "foreign";
  if (/NO_APPLICATION_PROTOCOL/.test(code)) return "malformed";
  if (/^ERR_SSL_.*ALERT/.test(code)) return "tls-rejected";
  const words = `${code} ${text}`;
  if (FOREIGN.test(words)) return "foreign";
  if (ALERT.test(words)) return "tls-rejected";
  if (GARBAGE.test(words) || /^ERR_SSL_/.test(code)) return "malformed";
  return null;
}

/**
 * classifyTransport names a failure that happened below gRPC (socket or TLS),
 * from the Node error code when there is one, else from the message text.
 */
export function classifyTransport(text: string, code?: string): TalosErrorKind {
  const words = `${code ?? ""} ${text}`;
  if (/ECONNREFUSED/.test(words)) return "refused";
  if (/ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|timed out/i.test(words)) return "timeout";
  return classifyTls(text, code) ?? "unavailable";
}

interface GrpcLikeError {
  code: number;
  details?: string;
  message?: string;
}

// grpc-js's ServiceError: a numeric status code plus details (a DOMException
// also has a numeric code, but no details).
function isGrpcError(e: unknown): e is GrpcLikeError {
  const candidate = e as { code?: unknown; details?: unknown } | null;
  return typeof e === "object" && typeof candidate?.code === "number" && typeof candidate.details === "string";
}

/** The gRPC statuses Talos answers with, by kind; UNAVAILABLE and INTERNAL need the text. */
const BY_STATUS: ReadonlyMap<number, TalosErrorKind> = new Map([
  [Status.CANCELLED, "canceled"],
  [Status.INVALID_ARGUMENT, "invalid-argument"],
  [Status.DEADLINE_EXCEEDED, "timeout"],
  [Status.NOT_FOUND, "not-found"],
  [Status.ALREADY_EXISTS, "already-exists"],
  [Status.PERMISSION_DENIED, "permission-denied"],
  [Status.UNAUTHENTICATED, "permission-denied"],
  [Status.FAILED_PRECONDITION, "failed-precondition"],
  [Status.UNIMPLEMENTED, "unimplemented"],
]);

function kindOfStatus(code: number, details: string): TalosErrorKind {
  const known = BY_STATUS.get(code);
  if (known !== undefined) return known;
  switch (code) {
    case Status.UNAVAILABLE:
      // grpc-js reports every connection failure as UNAVAILABLE; the reason
      // survives only as text ("No connection established. Last error: …").
      // "Failed to connect" is what it says when the TLS handshake succeeded
      // (so the server passed our checks) but the server hung up before
      // HTTP/2 began: in TLS 1.3 that is how a refused client cert shows.
      if (/Last error: Failed to connect\b/.test(details)) return "tls-rejected";
      return classifyTransport(details);
    case Status.INTERNAL:
      return GARBAGE.test(details) || /larger than max/i.test(details) ? "malformed" : "unknown";
    // Our requests are tiny: this is a peer sending more than we accept, or
    // resetting the stream with ENHANCE_YOUR_CALM while flooding it.
    case Status.RESOURCE_EXHAUSTED:
      return "malformed";
    default:
      return "unknown";
  }
}

/**
 * toTalosError turns anything a call may throw into a TalosError. `foreign`
 * is the verdict our own certificate check recorded on this connection, which
 * is more precise than the text grpc-js passes on.
 */
export function toTalosError(e: unknown, foreign?: string): TalosError {
  if (e instanceof TalosError) return e;
  if (e instanceof Error && e.name === "AbortError") return new TalosError("canceled", e.message, { cause: e });
  if (isGrpcError(e)) {
    const details = e.details ?? e.message ?? "";
    if (foreign !== undefined && e.code === Status.UNAVAILABLE) {
      return new TalosError("foreign", foreign, { code: e.code, cause: e });
    }
    return new TalosError(kindOfStatus(e.code, details), details, { code: e.code, cause: e });
  }
  const message = e instanceof Error ? e.message : String(e);
  const code = e instanceof Error ? (e as NodeJS.ErrnoException).code : undefined;
  return new TalosError(classifyTransport(message, code), message, { cause: e });
}
