// The shell: credentials → network → Talos API → (observe → step → persist →
// act) until the cluster is bootstrapped. Every decision is made by the pure
// core (src/core/agent.ts); this file only carries them out.
import { loadBallot, saveBallot } from "../ballots/store.js";
import type { Config } from "../config/env.js";
import { afterBootstrap, initialState, step, type AgentState, type CoreConfig, type StepResult } from "../core/agent.js";
import { initialBackoff, nextDelay } from "../core/backoff.js";
import { ranking } from "../core/candidates.js";
import { loadCredentials } from "../credentials/state.js";
import type { Logger } from "../log.js";
import { createObserver, type Observation } from "./observe.js";
import { planNetwork } from "./network.js";
import { ballotsPersistent, omniOwnsCluster } from "./preconditions.js";
import type { TalosPort } from "./port.js";
import { sleep } from "./sleep.js";
import { createTalosPort } from "./talos-port.js";

export interface RunOptions {
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly dryRun: boolean;
  readonly version: string;
}

/** Exit codes: 0 done (or nothing to do), 1 cannot go on, 143 stopped by a signal. */
export async function run(config: Config, o: RunOptions): Promise<number> {
  const { log } = o;
  log.info({ version: o.version, dryRun: o.dryRun, config: summary(config) }, "start");
  let creds;
  try {
    creds = await loadCredentials();
  } catch (err) {
    log.error({ kind: (err as { kind?: string }).kind, err: (err as Error).message }, "credentials unavailable");
    return 1;
  }
  if (creds.ca === null || (creds.machineType !== "controlplane" && creds.machineType !== "init")) {
    log.info({ machineType: creds.machineType, source: creds.source }, "not a control plane: nothing to bootstrap");
    return 0;
  }
  if (creds.machineType === "init") {
    log.info({ source: creds.source }, "init node: Talos bootstraps it by itself; nothing to do");
    return 0;
  }
  log.info({ source: creds.source, ca: creds.ca.fingerprint, keyType: creds.ca.keyType }, "credentials loaded");
  if (await omniOwnsCluster(creds.sideroLink, config, log)) return 0;
  if (!o.dryRun && !(await ballotsPersistent(log))) return 1; // --dry-run writes no ballot

  const net = await planNetwork(config, log, o.signal);
  if (net === null) return 143;
  const port = createTalosPort(creds.ca, config, log);
  try {
    const loaded = await loadBallot(creds.ca.fingerprint);
    if (loaded.kind === "created" && !o.dryRun) {
      await saveBallot(loaded.ballot);
      log.info({ id: loaded.ballot.id, replacedCluster: loaded.replaced }, "ballot created");
    }
    const observe = createObserver({ port, selfAddress: net.selfAddress, scanIntervalMs: config.scanIntervalMs, scanAll: net.scanAll(port), scanSome: net.scanSome(port), now: () => performance.now() });
    return await loop(initialState(loaded.ballot), observe, port, net.selfAddress, config, o);
  } finally {
    port.close();
  }
}

async function loop(
  initial: AgentState,
  observe: (signal: AbortSignal) => Promise<Observation>,
  port: TalosPort,
  selfAddress: string,
  config: Config,
  o: RunOptions,
): Promise<number> {
  const { log, signal } = o;
  const core = coreConfig(config);
  let state = initial;
  let unready = initialBackoff;
  let last: StepResult | null = null;
  while (!signal.aborted) {
    const obs = await observe(signal);
    if (signal.aborted) break;
    if (obs.kind === "self-unready") {
      const [ms, next] = nextDelay(unready, 1000, config.maxBackoffMs, Math.random());
      unready = next;
      log.info({ address: selfAddress, reason: obs.reason, retryInMs: ms }, "waiting for own apid");
      if (!(await sleep(ms, signal))) break;
      continue;
    }
    unready = initialBackoff;
    if (obs.full) log.info({ ...obs.summary }, "scan result");
    if (obs.initNodes.length > 0) {
      // An init node bootstraps etcd by itself; a Bootstrap of ours would make a second cluster.
      log.info({ init: obs.initNodes }, "init node present: Talos bootstraps it by itself; nothing to do");
      return 0;
    }
    if (o.dryRun) {
      const ranked = ranking(obs.view);
      log.info(
        { leader: ranked[0]?.address, candidates: ranked.map((r) => ({ address: r.address, bootTime: r.bootTime.toString() })), quorum: config.quorum, quorumSeen: ranked.length >= config.quorum },
        "dry run: would nominate",
      );
      return 0;
    }
    const result = step(state, obs.view, core, Math.random());
    report(log, last, result, config);
    last = result;
    if (result.state.ballot !== state.ballot) await saveBallot(result.state.ballot);
    state = result.state;
    const d = result.decision;
    switch (d.kind) {
      case "wait":
        if (!(await sleep(d.ms, signal))) return 143;
        break;
      case "exit":
        log.info({ reason: d.reason, by: result.report.status.kind === "bootstrapped" ? result.report.status.by : [] }, d.reason === "bootstrap-succeeded" ? "bootstrap succeeded" : "cluster already bootstrapped");
        return d.code;
      case "bootstrap": {
        log.info({ address: selfAddress }, "bootstrap executing");
        const answer = await port.bootstrap(selfAddress, signal);
        switch (answer.kind) {
          case "ok":
            log.info({ address: selfAddress }, "bootstrap accepted; waiting for etcd");
            state = afterBootstrap(state, "ok", performance.now(), core, Math.random());
            break;
          case "already-exists":
            log.info({ address: selfAddress }, "bootstrap already done");
            state = afterBootstrap(state, "ok", performance.now(), core, Math.random());
            break;
          case "retry":
            log.warn({ reason: answer.reason }, "bootstrap not possible yet; will retry");
            state = afterBootstrap(state, "retry", performance.now(), core, Math.random());
            break;
          case "refused":
            log.error({ reason: answer.reason }, "bootstrap refused");
            return 1;
          default: {
            const unreachable: never = answer;
            throw new Error(`unknown answer ${JSON.stringify(unreachable)}`);
          }
        }
        break;
      }
      default: {
        const unreachable: never = d;
        throw new Error(`unknown decision ${JSON.stringify(unreachable)}`);
      }
    }
  }
  return 143;
}

/** report logs the election and the consent state when they change, not every pass. */
function report(log: Logger, prev: StepResult | null, cur: StepResult, config: Config): void {
  const r = cur.report;
  const leader = r.candidates[0];
  const key = (s: StepResult | null) => (s ? s.report.candidates.map((c) => `${c.id}@${c.address}`).join(",") : "");
  if (key(prev) !== key(cur)) {
    log.info(
      {
        leader: leader?.address,
        is_leader: leader?.self === true,
        candidates: r.candidates.map((c) => ({ address: c.address, bootTime: c.bootTime.toString(), id: c.id })),
        quorum: config.quorum,
        quorumSeen: r.candidates.length >= config.quorum,
      },
      "election",
    );
    if (config.controlPlanes !== null && r.candidates.length > config.controlPlanes) {
      log.warn({ seen: r.candidates.length, expected: config.controlPlanes }, "more control planes than TALOS_AUTO_BOOTSTRAP_CONTROL_PLANES: the quorum may no longer be a majority");
    }
  }
  const before = prev?.state.ballot;
  const after = cur.state.ballot;
  if (before?.promised !== after.promised || before?.accepted !== after.accepted || before?.proposal !== after.proposal || prev?.report.chosen?.id !== r.chosen?.id) {
    log.info({ promised: after.promised, accepted: after.accepted, proposal: after.proposal, chosen: r.chosen }, "consent");
  }
  if (prev?.report.status.kind !== r.status.kind && r.status.kind === "unknown") {
    log.warn({ reasons: r.status.reasons }, "etcd state unknown on a control plane: not bootstrapping this round");
  }
}

function coreConfig(c: Config): CoreConfig {
  return {
    quorum: c.quorum,
    scanIntervalMs: c.scanIntervalMs,
    consentIntervalMs: c.consentIntervalMs,
    followerCheckIntervalMs: c.followerCheckIntervalMs,
    preBootstrapDelayMs: c.preBootstrapDelayMs,
    maxBackoffMs: c.maxBackoffMs,
  };
}

function summary(c: Config): Record<string, unknown> {
  return {
    quorum: c.quorum,
    controlPlanes: c.controlPlanes,
    scanIntervalMs: c.scanIntervalMs,
    consentIntervalMs: c.consentIntervalMs,
    preBootstrapDelayMs: c.preBootstrapDelayMs,
    scanTimeoutMs: c.scanTimeoutMs,
    scanConcurrency: c.scanConcurrency,
    scanCidr: c.scanCidr,
    peers: c.peers,
    nodeAddress: c.nodeAddress,
  };
}
