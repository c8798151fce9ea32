// The one error of credential loading. Its kind tells the operator what to fix
// (and the log what happened); messages never carry key material.

export type CredentialsErrorKind =
  /** No STATE: neither /system/state/config.yaml nor any STATE block device. */
  | "state-missing"
  /** STATE is LUKS-encrypted and machined's mapper for it is not open. */
  | "state-encrypted"
  /** STATE found but could not be read: I/O error, damage, an XFS layout we do not read. */
  | "state-unreadable"
  /** The STATE device holds no XFS filesystem. */
  | "not-xfs"
  /** STATE readable, config.yaml absent (maintenance mode: no config applied yet). */
  | "config-missing"
  /** config.yaml is not a machine config we understand. */
  | "config-invalid"
  /** A control plane's config has no machine.ca.key. */
  | "ca-key-missing"
  /** The CA certificate or key is malformed, mismatched, or not a CA. */
  | "ca-invalid";

export class CredentialsError extends Error {
  override readonly name = "CredentialsError";
  readonly kind: CredentialsErrorKind;

  constructor(kind: CredentialsErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
  }
}
