// Why a snapshot could not be made ready or sent. Every kind means the same
// thing to the agent (no Bootstrap this time; retry after a backoff); the
// kind tells the operator where to look.
export type SnapshotErrorKind =
  /** The server or the network: refused, timed out, HTTP status, TLS verification failed. */
  | "download"
  /** The file at RECOVER_FROM (a path) is missing, not a regular file, or unreadable. */
  | "file"
  /** Larger than the size limit. */
  | "too-large"
  /** Not enough free space in the ballot directory to hold the download. */
  | "space"
  /** The SHA-256 is not the one configured. */
  | "checksum"
  /** The verified bytes changed while they were uploaded. */
  | "changed";

export class SnapshotError extends Error {
  override readonly name = "SnapshotError";
  constructor(
    readonly kind: SnapshotErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** asSnapshotError keeps a SnapshotError and files anything else under `kind`. */
export function asSnapshotError(err: unknown, kind: SnapshotErrorKind, what: string): SnapshotError {
  if (err instanceof SnapshotError) return err;
  const why = err instanceof Error ? err.message : String(err);
  return new SnapshotError(kind, `${what}: ${why}`, { cause: err });
}
