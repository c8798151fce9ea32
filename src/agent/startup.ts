// Before the first pass: who are we (credentials: machine type, CA, cluster
// name and endpoint) and where are we (our own address); our ballot is opened
// next, once our own apid answers (ballot-start.ts). Any of it may end the
// agent at once: a worker or an init node has nothing to do.
import { tryControlPlaneConfig, type Config, type StartConfig } from "../config/env.js";
import { initNodes } from "../core/init-node.js";
import type { MachineCa } from "../credentials/ca.js";
import { EXIT_STOPPED } from "../exit-codes.js";
import { configurationRefused, type Logger } from "../log.js";
import type { RunDeps } from "./deps.js";
import { logPlan, planNetwork } from "./network.js";
import { ballotsPersistent, omniOwnsCluster } from "./preconditions.js";

export interface RunOptions {
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly dryRun: boolean;
  readonly version: string;
  /** The environment, for the variables only a control plane reads (config/env.ts). */
  readonly env: NodeJS.ProcessEnv;
}

export type Started =
  | { readonly kind: "exit"; readonly code: number }
  | { readonly kind: "ready"; readonly config: Config; readonly ca: MachineCa; readonly self: string; readonly cluster: { readonly name: string; readonly endpoint: string } };

export { EXIT_STOPPED };
const stopped: Started = { kind: "exit", code: EXIT_STOPPED };

export async function start(startConfig: StartConfig, o: RunOptions, deps: RunDeps): Promise<Started> {
  const { log, signal } = o;
  log.info({ version: o.version, dryRun: o.dryRun, config: summary(startConfig) }, "start");
  let creds;
  try {
    creds = await deps.loadCredentials(signal);
  } catch (err) {
    if (signal.aborted) return stopped;
    log.error({ kind: (err as { kind?: string }).kind, err: (err as Error).message }, "credentials unavailable");
    return { kind: "exit", code: 1 };
  }
  if (signal.aborted) return stopped;
  if (creds.ca === null || creds.machineType === "worker") {
    log.info({ machineType: creds.machineType, source: creds.source }, "not a control plane: nothing to bootstrap");
    return { kind: "exit", code: 0 };
  }
  if (initNodes([{ address: "this node", machineType: creds.machineType }]).length > 0) {
    log.info({ source: creds.source }, "init node: Talos bootstraps it by itself; nothing to do");
    return { kind: "exit", code: 0 };
  }
  log.info({ source: creds.source, ca: creds.ca.fingerprint, keyType: creds.ca.keyType }, "credentials loaded");
  if (await omniOwnsCluster(creds.sideroLink, startConfig, log, deps.kernelCmdline)) return { kind: "exit", code: 0 };
  const checked = tryControlPlaneConfig(startConfig, o.env); // only now: a worker never needs the quorum
  if (!checked.ok) return { kind: "exit", code: configurationRefused(log, checked.error) };
  const config = checked.config;
  if (!o.dryRun && !(await ballotsPersistent(log, deps.ballotMount))) return { kind: "exit", code: 1 }; // --dry-run writes no ballot
  if (creds.cluster === null) {
    log.error({ source: creds.source }, "machine config has no cluster.clusterName or cluster.controlPlane.endpoint: refusing to vote without knowing the cluster");
    return { kind: "exit", code: 1 };
  }
  // A recovery's spool left by an earlier run holds the cluster's secrets and GiBs of EPHEMERAL.
  if (!o.dryRun) await deps.snapshots.clearSpool();
  if (signal.aborted) return stopped;

  const self = await ownAddress(config, log, signal, deps);
  if (self === null) return stopped;
  return { kind: "ready", config, ca: creds.ca, self, cluster: creds.cluster };
}

/**
 * ownAddress validates SCAN_CIDR and PEERS (a bad one throws, naming it),
 * then waits until this node has an address; null if stopped meanwhile.
 */
async function ownAddress(config: Config, log: Logger, signal: AbortSignal, deps: RunDeps): Promise<string | null> {
  let plan = planNetwork(config, deps.localNetwork());
  while (plan.self === null) {
    log.warn({}, "no usable address on any interface yet; waiting");
    if (!(await deps.sleep(config.scanIntervalMs, signal))) return null;
    plan = planNetwork(config, deps.localNetwork());
  }
  logPlan(log, plan, config.peerDiscovery);
  return signal.aborted ? null : plan.self;
}

function summary(c: StartConfig): Record<string, unknown> {
  return {
    scanIntervalMs: c.scanIntervalMs,
    consentIntervalMs: c.consentIntervalMs,
    preBootstrapDelayMs: c.preBootstrapDelayMs,
    scanTimeoutMs: c.scanTimeoutMs,
    scanConcurrency: c.scanConcurrency,
    scanCidr: c.scanCidr,
    peers: c.peers,
    nodeAddress: c.nodeAddress,
    peerDiscovery: c.peerDiscovery,
  };
}
