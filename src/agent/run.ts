// The shell: start (credentials, own address, ballot), then passes of
// observe → step → persist → act until the cluster is bootstrapped. Every
// decision is made by the pure core (src/core/); this file only carries them
// out, through the edges in deps.ts.
import type { Config, StartConfig } from "../config/env.js";
import { step, type AgentState, type CoreConfig, type StepResult } from "../core/agent.js";
import { initialBackoff, nextDelay } from "../core/backoff.js";
import { initNodes } from "../core/init-node.js";
import { act, type Actor } from "./act.js";
import { openBallot } from "./ballot-start.js";
import { productionDeps, type RunDeps } from "./deps.js";
import { planNetwork } from "./network.js";
import { joinWatch } from "./join-watch.js";
import { createObserver, type Observation } from "./observe.js";
import { createPeerFinder } from "./peer-finder.js";
import { armedRecovery } from "./recovery.js";
import { dryRun, report } from "./report.js";
import { EXIT_STOPPED, start, type RunOptions } from "./startup.js";
import { isHandshakeFailure } from "../talos/tls.js";
import { statusShellFor } from "./status.js";

export type { RunOptions };

/** UNREADY_BASE_MS: first retry delay while our own apid is not up yet. */
const UNREADY_BASE_MS = 1_000;

/** Exit codes (exit-codes.ts): 0 done (or nothing to do), 1 cannot go on, 2 configuration refused, 143 stopped by a signal. */
export async function run(startConfig: StartConfig, o: RunOptions, deps: RunDeps = productionDeps): Promise<number> {
  const started = await start(startConfig, o, deps);
  if (started.kind === "exit") return started.code;
  const { config, ca, self } = started;
  const port = deps.talosPort(ca, config, o.log);
  try {
    const cluster = { ca: ca.fingerprint, ...started.cluster };
    const opened = await openBallot({ log: o.log, signal: o.signal, deps, port, self, cluster }, config);
    if (opened.kind === "exit") return opened.code;
    const finder = createPeerFinder({
      port,
      selfAddress: self,
      mode: config.peerDiscovery,
      quorum: config.quorum,
      scanConcurrency: config.scanConcurrency,
      scanTimeoutMs: config.scanTimeoutMs,
      plan: () => planNetwork({ ...config, nodeAddress: self }, deps.localNetwork()).targets,
      log: o.log,
    });
    const localAddresses = () => planNetwork({ ...config, nodeAddress: self }, deps.localNetwork()).targets.local;
    const observe = createObserver({ port, selfAddress: self, scanIntervalMs: config.scanIntervalMs, finder, localAddresses, now: deps.now });
    // Every wait watches Talos discovery: a control plane that registers ends it (fast join).
    const sleep = joinWatch({ finder, sleep: deps.sleep, now: deps.now, tickMs: config.consentIntervalMs });
    const actor: Actor = {
      log: o.log,
      signal: o.signal,
      self,
      port,
      deps: { ...deps, sleep },
      core: coreConfig(config),
      status: statusShellFor(config, o, self, deps.writeStatus),
      recovery: armedRecovery(config.recovery, { port, self, deps, log: o.log }),
    };
    return await loop(actor, opened.state, observe, config, o.dryRun);
  } finally {
    port.close();
  }
}

type Observer = (signal: AbortSignal) => Promise<Observation>;

/** loop runs passes until the core says exit, Bootstrap is refused, or a signal stops it. */
async function loop(a: Actor, state: AgentState, observe: Observer, config: Config, dry: boolean): Promise<number> {
  const { log, signal, deps } = a;
  let unready = initialBackoff;
  let last: StepResult | null = null;
  while (!signal.aborted) {
    const obs = await observe(signal);
    if (obs.kind === "stopped" || signal.aborted) break;
    if (obs.kind === "self-unready") {
      const [ms, next] = nextDelay(unready, UNREADY_BASE_MS, config.maxBackoffMs, deps.random());
      unready = next;
      // A certificate problem (expired, not yet valid, another CA) will not pass by waiting: say so louder.
      log[isHandshakeFailure(obs.probe) ? "warn" : "info"]({ address: a.self, kind: obs.probe, reason: obs.reason, retryInMs: ms }, "waiting for own apid");
      await a.status.unready(obs.reason);
      if (!(await deps.sleep(ms, signal))) break;
      continue;
    }
    unready = initialBackoff;
    if (obs.full) log.info({ ...obs.summary, sources: obs.sources, scanned: obs.scanned, discovery: obs.discovery.kind }, "scan result");
    const init = initNodes(obs.nodes);
    if (init.length > 0) {
      log.info({ init }, "init node present: Talos bootstraps it by itself; nothing to do");
      await a.status.end("done", `init node present (${init.join(", ")}): Talos bootstraps it by itself`);
      return 0;
    }
    if (dry) return dryRun(log, obs.view, config.quorum);
    const result = step(state, obs.view, a.core, deps.random());
    report(log, last, result, obs.view, obs.full, config);
    last = result;
    if (result.state.ballot !== state.ballot) await deps.saveBallot(result.state.ballot);
    if (signal.aborted) break;
    await a.status.pass(result, obs.view, obs.sources);
    if (signal.aborted) break;
    const next = await act(a, result);
    if (next.kind === "exit") return next.code;
    state = next.state;
  }
  return EXIT_STOPPED;
}

function coreConfig(c: Config): CoreConfig {
  return {
    quorum: c.quorum,
    controlPlanes: c.controlPlanes,
    scanIntervalMs: c.scanIntervalMs,
    consentIntervalMs: c.consentIntervalMs,
    followerCheckIntervalMs: c.followerCheckIntervalMs,
    preBootstrapDelayMs: c.preBootstrapDelayMs,
    maxBackoffMs: c.maxBackoffMs,
  };
}
