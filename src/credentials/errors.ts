// The errors of credential loading: one design, a class per layer. Each
// carries a kind that tells the operator what to fix (and the log what
// happened); messages never carry key material.

/** KindError: an error whose `kind` callers switch on; subclasses only name it. */
export class KindError<K extends string> extends Error {
  readonly kind: K;

  constructor(kind: K, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
  }
}

export type CredentialsErrorKind =
  /** No STATE: neither /system/state/config.yaml nor any STATE block device. */
  | "state-missing"
  /** STATE is LUKS-encrypted and machined's mapper for it is not open. */
  | "state-encrypted"
  /** STATE found but could not be read: I/O error, damage, an XFS layout we do not read, not a regular file. */
  | "state-unreadable"
  /** The STATE device holds no XFS filesystem. */
  | "not-xfs"
  /** STATE readable, config.yaml absent (maintenance mode: no config applied yet). */
  | "config-missing"
  /** config.yaml is not a machine config we understand (or larger than any is). */
  | "config-invalid"
  /** A control plane's config has no machine.ca.key. */
  | "ca-key-missing"
  /** The CA certificate or key is malformed, mismatched, or not a CA. */
  | "ca-invalid"
  /** The machine CA certificate's NotAfter has passed: no peer accepts what it signs. */
  | "ca-expired"
  /** The machine CA certificate's NotBefore is ahead of this node's clock. */
  | "ca-not-yet-valid";

export class CredentialsError extends KindError<CredentialsErrorKind> {
  override readonly name = "CredentialsError";
}
