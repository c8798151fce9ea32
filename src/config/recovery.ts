// Armed recovery: where the etcd snapshot comes from and the SHA-256 it must
// have. Parsed strictly, because a half-armed recovery (a checksum without a
// source, a source the agent cannot read) would otherwise fall back to a
// plain Bootstrap: an empty cluster where the operator wanted theirs back.
// Pure string checks; env.ts turns the errors into a ConfigError.

export const RECOVER_FROM = "TALOS_AUTO_BOOTSTRAP_RECOVER_FROM";
export const RECOVER_SHA256 = "TALOS_AUTO_BOOTSTRAP_RECOVER_SHA256";
export const RECOVER_SKIP_HASH_CHECK = "TALOS_AUTO_BOOTSTRAP_RECOVER_SKIP_HASH_CHECK";

export type SnapshotSource =
  /** Downloaded with TLS verification (https) or over plain http; the SHA-256 guards integrity either way. */
  | { readonly kind: "url"; readonly url: string }
  /** A regular file inside the container, e.g. under /var/lib/autobootstrap. */
  | { readonly kind: "file"; readonly path: string };

export interface RecoveryConfig {
  readonly source: SnapshotSource;
  /** Lower-case hex SHA-256 of the whole file, as `sha256sum` prints it. */
  readonly sha256: string;
  /** Bootstrap's recover_skip_hash_check: for a data directory's copied `db`, which has no hash of its own. */
  readonly skipHashCheck: boolean;
}

/** parseSource takes an http(s):// URL or an absolute path; anything else throws. */
export function parseSource(raw: string): SnapshotSource {
  const text = raw.trim();
  if (text.startsWith("/")) {
    if (text.includes("\0")) throw new Error("must not contain NUL");
    return { kind: "file", path: text };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`must be an http:// or https:// URL or an absolute path, got "${text}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`must be an http:// or https:// URL or an absolute path, got a ${url.protocol} URL`);
  }
  if (url.hostname === "") throw new Error("URL has no host");
  return { kind: "url", url: url.href };
}

/** parseSha256 takes 64 hex digits (either case) and returns them in lower case. */
export function parseSha256(raw: string): string {
  const text = raw.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new Error("must be 64 hexadecimal digits (a SHA-256, as sha256sum prints it)");
  return text.toLowerCase();
}

/**
 * pairRecovery joins the three variables: the source and the checksum go
 * together, and the skip flag means nothing alone. Throws naming the variable.
 */
export function pairRecovery(source: SnapshotSource | null, sha256: string | null, skipHashCheck: boolean): RecoveryConfig | null {
  if (source === null) {
    if (sha256 !== null) throw new Error(`${RECOVER_SHA256} is set without ${RECOVER_FROM}; set both to arm a recovery, or neither`);
    if (skipHashCheck) throw new Error(`${RECOVER_SKIP_HASH_CHECK} is set without ${RECOVER_FROM}`);
    return null;
  }
  if (sha256 === null) throw new Error(`${RECOVER_SHA256} is required when ${RECOVER_FROM} is set: a snapshot is never restored unchecked`);
  return { source, sha256, skipHashCheck };
}

/**
 * describeSource is the source as it may be logged: a URL without its user
 * info and query, which may hold credentials (a presigned URL's signature).
 */
export function describeSource(source: SnapshotSource): string {
  if (source.kind === "file") return source.path;
  const u = new URL(source.url);
  return `${u.protocol}//${u.host}${u.pathname}${u.search === "" ? "" : "?…"}`;
}
