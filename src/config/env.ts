// Configuration from the environment (ExtensionServiceConfig `environment`).
// Names match the Go agent's so users can move their configs over; the
// quorum has no default, because a silent default of 1 is how clusters split.
//
// Two steps, because one ExtensionServiceConfig serves every node: what all
// nodes use is checked at start (loadConfig), before anything else, on
// workers too; the quorum, which only control planes use, is required once
// the machine type is known (controlPlaneConfig).
import { bool, cleanEnv, EnvMissingError, makeValidator, str, type ValidatorSpec } from "envalid";
import { MAX_SETTING } from "../core/state.js";
import { selectPrefixes } from "../discovery/addresses.js";
import { parsePrefixList } from "../discovery/prefixes.js";
import { address, addressList, duration, int, prefixList } from "./validators.js";
import { pairRecovery, parseSha256, parseSource, RECOVER_FROM, RECOVER_SHA256, RECOVER_SKIP_HASH_CHECK, type RecoveryConfig, type SnapshotSource } from "./recovery.js";

export const PREFIX = "TALOS_AUTO_BOOTSTRAP_";

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal";

/** Where peers are looked for (README "Finding the other control planes"). */
export const PEER_DISCOVERY_MODES = ["auto", "no-scan", "scan-only"] as const;
export type PeerDiscoveryMode = (typeof PEER_DISCOVERY_MODES)[number];

/** What every node reads at start. */
export interface StartConfig {
  readonly logLevel: LogLevel;
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

/** A control plane's whole configuration. */
export interface Config extends StartConfig {
  /** Control planes (self included) whose consent a Bootstrap needs. */
  readonly quorum: number;
  /** Expected number of control planes, when the user states it. */
  readonly controlPlanes: number | null;
}

/** ConfigError names every variable that is missing or wrong. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const SECOND = 1_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;

const source = makeValidator<SnapshotSource>(parseSource);
const sha256 = makeValidator<string>(parseSha256);

/**
 * START_SPEC: every variable all nodes read, with its range. Each duration's
 * upper bound is what still makes sense for it, and all are far below what
 * Node's timers can take (validators.ts MAX_TIMER_MS).
 */
const START_SPEC = {
  LOG_LEVEL: str({ default: "info", choices: ["trace", "debug", "info", "warn", "error", "fatal"] }),
  // A scan finds nodes that booted since the last: waiting more than an hour
  // for them is a cluster that does not come up.
  [`${PREFIX}SCAN_INTERVAL`]: duration(100, HOUR)({ default: 30 * SECOND }),
  // A follower waiting for etcd: the same reasoning as the scan.
  [`${PREFIX}FOLLOWER_CHECK_INTERVAL`]: duration(100, HOUR)({ default: 15 * SECOND }),
  // How long a node must stay the best candidate before it proposes.
  [`${PREFIX}PRE_BOOTSTRAP_DELAY`]: duration(0, HOUR)({ default: 10 * SECOND }),
  // The cap of every backoff: retries at least once an hour.
  [`${PREFIX}MAX_BACKOFF`]: duration(100, HOUR)({ default: 2 * MINUTE }),
  // One probe, one call: a node that needs minutes to answer one call is down.
  [`${PREFIX}SCAN_TIMEOUT`]: duration(1, 5 * MINUTE)({ default: 2 * SECOND }),
  // Re-reads while a decision is open: a decision waits at most this between steps.
  [`${PREFIX}CONSENT_INTERVAL`]: duration(50, 10 * MINUTE)({ default: 1 * SECOND }),
  [`${PREFIX}SCAN_CONCURRENCY`]: int(1, 4096)({ default: 50 }),
  [`${PREFIX}SCAN_CIDR`]: prefixList({ default: [] }),
  [`${PREFIX}PEERS`]: addressList({ default: [] }),
  [`${PREFIX}SCAN_MAX_ADDRESSES`]: int(1, 16_777_216)({ default: 65_536 }),
  [`${PREFIX}NODE_ADDRESS`]: address({ default: "" }),
  [`${PREFIX}IGNORE_OMNI`]: bool({ default: false }),
  [`${PREFIX}PEER_DISCOVERY`]: str({ default: "auto", choices: [...PEER_DISCOVERY_MODES] }),
  [RECOVER_FROM]: source({ default: undefined }),
  [RECOVER_SHA256]: sha256({ default: undefined }),
  [RECOVER_SKIP_HASH_CHECK]: bool({ default: false }),
};

/** CONTROL_PLANE_SPEC: what only a control plane reads. */
const CONTROL_PLANE_SPEC = {
  [`${PREFIX}QUORUM_NODES`]: int(1, MAX_SETTING)({ desc: "control planes that must consent (a strict majority)" }),
  // 0 is only the "not stated" marker: envalid does not validate defaults.
  [`${PREFIX}CONTROL_PLANES`]: int(1, MAX_SETTING)({ default: 0, desc: "expected control planes" }),
};

/** check validates `spec` against env, throwing one ConfigError that names every bad variable. */
function check<S extends Record<string, ValidatorSpec<unknown>>>(env: NodeJS.ProcessEnv, spec: S) {
  return cleanEnv(env, spec, {
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
}

/** loadConfig validates what every node reads; it throws ConfigError, never exits. */
export function loadConfig(env: NodeJS.ProcessEnv): StartConfig {
  const e = check(env, START_SPEC);
  const config: StartConfig = {
    logLevel: e.LOG_LEVEL as LogLevel,
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
  checkPeerDiscovery(config);
  // The same check the scan makes (network.ts), made now: a prefix above
  // SCAN_MAX_ADDRESSES would otherwise stop the agent only after the credentials.
  try {
    selectPrefixes(parsePrefixList(config.scanCidr), "scan-cidr", config.scanMaxAddresses);
  } catch (err) {
    throw new ConfigError(`invalid configuration: ${PREFIX}SCAN_CIDR ${(err as Error).message}`);
  }
  return Object.freeze(config);
}

/** controlPlaneConfig adds the quorum, required on a control plane; it throws ConfigError. */
export function controlPlaneConfig(start: StartConfig, env: NodeJS.ProcessEnv): Config {
  const e = check(env, CONTROL_PLANE_SPEC);
  const quorum = e[`${PREFIX}QUORUM_NODES`];
  const controlPlanes = e[`${PREFIX}CONTROL_PLANES`] === 0 ? null : e[`${PREFIX}CONTROL_PLANES`];
  checkQuorum(quorum, controlPlanes);
  return Object.freeze({ ...start, quorum, controlPlanes });
}

/** tryControlPlaneConfig: controlPlaneConfig with its refusal as a value. */
export function tryControlPlaneConfig(start: StartConfig, env: NodeJS.ProcessEnv): { ok: true; config: Config } | { ok: false; error: ConfigError } {
  try {
    return { ok: true, config: controlPlaneConfig(start, env) };
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, error: err };
    throw err;
  }
}

/** loadControlPlaneConfig: both steps at once (tests, tools). */
export function loadControlPlaneConfig(env: NodeJS.ProcessEnv): Config {
  return controlPlaneConfig(loadConfig(env), env);
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
export function checkPeerDiscovery(c: Pick<StartConfig, "peerDiscovery" | "scanCidr">): void {
  if (c.peerDiscovery === "no-scan" && c.scanCidr.length > 0) {
    throw new ConfigError(
      `invalid configuration: ${PREFIX}SCAN_CIDR is set but ${PREFIX}PEER_DISCOVERY=no-scan never scans; ` +
        `unset one of them (auto scans SCAN_CIDR when discovery and PEERS show fewer control planes than the quorum)`,
    );
  }
}
