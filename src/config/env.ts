// Configuration from the environment (ExtensionServiceConfig `environment`).
// Names match the Go agent's so users can move their configs over; the
// quorum has no default, because a silent default of 1 is how clusters split.
import { bool, cleanEnv, EnvMissingError, makeValidator, str } from "envalid";
import { parseDuration } from "./duration.js";
import { pairRecovery, parseSha256, parseSource, RECOVER_FROM, RECOVER_SHA256, RECOVER_SKIP_HASH_CHECK, type RecoveryConfig, type SnapshotSource } from "./recovery.js";

export const PREFIX = "TALOS_AUTO_BOOTSTRAP_";

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal";

/** Where peers are looked for (README "Finding the other control planes"). */
export const PEER_DISCOVERY_MODES = ["auto", "no-scan", "scan-only"] as const;
export type PeerDiscoveryMode = (typeof PEER_DISCOVERY_MODES)[number];

export interface Config {
  readonly logLevel: LogLevel;
  /** Control planes (self included) whose consent a Bootstrap needs. */
  readonly quorum: number;
  /** Expected number of control planes, when the user states it. */
  readonly controlPlanes: number | null;
  readonly scanIntervalMs: number;
  readonly followerCheckIntervalMs: number;
  readonly preBootstrapDelayMs: number;
  readonly maxBackoffMs: number;
  readonly scanTimeoutMs: number;
  readonly scanConcurrency: number;
  /** How often ballots of known peers are re-read while a decision is open. */
  readonly consentIntervalMs: number;
  /** Prefixes that replace the interface-derived ones (empty: use interfaces). */
  readonly scanCidr: readonly string[];
  /** Addresses probed in addition to the scan. */
  readonly peers: readonly string[];
  readonly scanMaxAddresses: number;
  /** This node's own apid address; default: the lowest address of its interfaces (agent/network.ts). */
  readonly nodeAddress: string | null;
  /** Run even where Omni manages the node (Omni bootstraps its clusters itself: two Bootstraps split etcd). */
  readonly ignoreOmni: boolean;
  /** auto: Talos discovery + PEERS, scan below quorum; no-scan: never scan; scan-only: PEERS + scan. */
  readonly peerDiscovery: PeerDiscoveryMode;
  /** Armed recovery: the nominee restores this etcd snapshot instead of starting an empty cluster. */
  readonly recovery: RecoveryConfig | null;
}

/** ConfigError names every variable that is missing or wrong. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const duration = (min: number) =>
  makeValidator<number>((raw) => {
    const ms = parseDuration(raw);
    if (ms < min) throw new Error(`must be at least ${min}ms, got "${raw}"`);
    return ms;
  });

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  makeValidator<number>((raw) => {
    if (!/^\s*\d+\s*$/.test(raw)) throw new Error(`must be a whole number, got "${raw}"`);
    const n = Number(raw);
    if (n < min || n > max) throw new Error(`must be between ${min} and ${max}, got ${n}`);
    return n;
  });

const list = makeValidator<string[]>((raw) =>
  raw.split(",").map((s) => s.trim()).filter((s) => s !== ""),
);

const source = makeValidator<SnapshotSource>(parseSource);
const sha256 = makeValidator<string>(parseSha256);

const SPEC = {
  LOG_LEVEL: str({ default: "info", choices: ["trace", "debug", "info", "warn", "error", "fatal"] }),
  [`${PREFIX}QUORUM_NODES`]: int(1, 1000)({ desc: "control planes that must consent (a strict majority)" }),
  // 0 is only the "not stated" marker: envalid does not validate defaults.
  [`${PREFIX}CONTROL_PLANES`]: int(1, 1000)({ default: 0, desc: "expected control planes" }),
  [`${PREFIX}SCAN_INTERVAL`]: duration(100)({ default: 30_000 }),
  [`${PREFIX}FOLLOWER_CHECK_INTERVAL`]: duration(100)({ default: 15_000 }),
  [`${PREFIX}PRE_BOOTSTRAP_DELAY`]: duration(0)({ default: 10_000 }),
  [`${PREFIX}MAX_BACKOFF`]: duration(100)({ default: 120_000 }),
  [`${PREFIX}SCAN_TIMEOUT`]: duration(1)({ default: 2_000 }),
  [`${PREFIX}SCAN_CONCURRENCY`]: int(1, 4096)({ default: 50 }),
  [`${PREFIX}CONSENT_INTERVAL`]: duration(50)({ default: 1_000 }),
  [`${PREFIX}SCAN_CIDR`]: list({ default: [] }),
  [`${PREFIX}PEERS`]: list({ default: [] }),
  [`${PREFIX}SCAN_MAX_ADDRESSES`]: int(1, 16_777_216)({ default: 65_536 }),
  [`${PREFIX}NODE_ADDRESS`]: str({ default: "" }),
  [`${PREFIX}IGNORE_OMNI`]: bool({ default: false }),
  [`${PREFIX}PEER_DISCOVERY`]: str({ default: "auto", choices: [...PEER_DISCOVERY_MODES] }),
  [RECOVER_FROM]: source({ default: undefined }),
  [RECOVER_SHA256]: sha256({ default: undefined }),
  [RECOVER_SKIP_HASH_CHECK]: bool({ default: false }),
};

/** loadConfig validates the environment; it throws ConfigError, never exits. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const e = cleanEnv(env, SPEC, {
    reporter: ({ errors }) => {
      const names = Object.keys(errors);
      if (names.length === 0) return;
      const lines = names.map((n) => {
        const err = (errors as Record<string, Error | undefined>)[n];
        const why = err instanceof EnvMissingError ? "is required" : (err?.message ?? "is invalid");
        return `${n} ${why}`;
      });
      throw new ConfigError(`invalid configuration: ${lines.join("; ")}`);
    },
  });
  const config: Config = {
    logLevel: e.LOG_LEVEL as LogLevel,
    quorum: e[`${PREFIX}QUORUM_NODES`],
    controlPlanes: e[`${PREFIX}CONTROL_PLANES`] === 0 ? null : e[`${PREFIX}CONTROL_PLANES`],
    scanIntervalMs: e[`${PREFIX}SCAN_INTERVAL`],
    followerCheckIntervalMs: e[`${PREFIX}FOLLOWER_CHECK_INTERVAL`],
    preBootstrapDelayMs: e[`${PREFIX}PRE_BOOTSTRAP_DELAY`],
    maxBackoffMs: e[`${PREFIX}MAX_BACKOFF`],
    scanTimeoutMs: e[`${PREFIX}SCAN_TIMEOUT`],
    scanConcurrency: e[`${PREFIX}SCAN_CONCURRENCY`],
    consentIntervalMs: e[`${PREFIX}CONSENT_INTERVAL`],
    scanCidr: e[`${PREFIX}SCAN_CIDR`],
    peers: e[`${PREFIX}PEERS`],
    scanMaxAddresses: e[`${PREFIX}SCAN_MAX_ADDRESSES`],
    nodeAddress: e[`${PREFIX}NODE_ADDRESS`] === "" ? null : e[`${PREFIX}NODE_ADDRESS`],
    ignoreOmni: e[`${PREFIX}IGNORE_OMNI`],
    peerDiscovery: e[`${PREFIX}PEER_DISCOVERY`] as PeerDiscoveryMode,
    recovery: recoveryOf(e[RECOVER_FROM] ?? null, e[RECOVER_SHA256] ?? null, e[RECOVER_SKIP_HASH_CHECK]),
  };
  checkQuorum(config.quorum, config.controlPlanes);
  checkPeerDiscovery(config);
  return Object.freeze(config);
}

function recoveryOf(from: SnapshotSource | null, sum: string | null, skip: boolean): RecoveryConfig | null {
  try {
    return pairRecovery(from, sum, skip);
  } catch (err) {
    throw new ConfigError(`invalid configuration: ${(err as Error).message}`);
  }
}

/**
 * checkQuorum refuses a quorum that two disjoint groups of control planes
 * could both reach: safety needs quorum > controlPlanes / 2.
 */
export function checkQuorum(quorum: number, controlPlanes: number | null): void {
  if (controlPlanes === null) return;
  if (quorum > controlPlanes) {
    throw new ConfigError(
      `invalid configuration: ${PREFIX}QUORUM_NODES=${quorum} exceeds ${PREFIX}CONTROL_PLANES=${controlPlanes}; the cluster could never bootstrap`,
    );
  }
  if (quorum * 2 <= controlPlanes) {
    throw new ConfigError(
      `invalid configuration: ${PREFIX}QUORUM_NODES=${quorum} is not a strict majority of ${PREFIX}CONTROL_PLANES=${controlPlanes}; ` +
        `two groups could each bootstrap their own etcd (use ${Math.floor(controlPlanes / 2) + 1})`,
    );
  }
}

/** A SCAN_CIDR the mode never scans is a mistake to say at start, not to ignore. */
export function checkPeerDiscovery(c: Pick<Config, "peerDiscovery" | "scanCidr">): void {
  if (c.peerDiscovery === "no-scan" && c.scanCidr.length > 0) {
    throw new ConfigError(
      `invalid configuration: ${PREFIX}SCAN_CIDR is set but ${PREFIX}PEER_DISCOVERY=no-scan never scans; ` +
        `unset one of them (auto scans SCAN_CIDR when discovery and PEERS show fewer control planes than the quorum)`,
    );
  }
}
