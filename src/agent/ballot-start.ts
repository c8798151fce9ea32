// Before the first pass, once our own apid answers: establish this machine's
// binding, then open its ballot. A ballot file bound to another machine or
// cluster is never used; a fresh one is written only once the core has
// compared it with what the peers remember (recovery), so a lost file can
// resume its old id.
import type { Config } from "../config/env.js";
import { initialState, type AgentState } from "../core/agent.js";
import { initialBackoff, nextDelay } from "../core/backoff.js";
import type { ClusterIdentity } from "../core/types.js";
import type { Logger } from "../log.js";
import type { RunDeps } from "./deps.js";
import { machineBinding } from "./machine-binding.js";
import type { TalosPort } from "./port.js";
import { EXIT_STOPPED } from "./startup.js";

/** NODE_ID_BASE_MS: first retry delay while our own apid does not serve our node id yet. */
const NODE_ID_BASE_MS = 1_000;

export type Opened = { readonly kind: "state"; readonly state: AgentState } | { readonly kind: "exit"; readonly code: number };

export interface OpenBallot {
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly deps: RunDeps;
  readonly port: TalosPort;
  readonly self: string;
  readonly cluster: ClusterIdentity;
}

export async function openBallot(o: OpenBallot, config: Config): Promise<Opened> {
  const { log, signal, deps } = o;
  let backoff = initialBackoff;
  let nodeId: string | null = null;
  while (nodeId === null) {
    const r = await o.port.nodeId(o.self, signal);
    if (signal.aborted) return { kind: "exit", code: EXIT_STOPPED };
    if (r.id !== null) {
      nodeId = r.id;
      break;
    }
    const [ms, next] = nextDelay(backoff, NODE_ID_BASE_MS, config.maxBackoffMs, deps.random());
    backoff = next;
    log.info({ address: o.self, reason: r.reason, retryInMs: ms }, "waiting for own node id");
    if (!(await deps.sleep(ms, signal))) return { kind: "exit", code: EXIT_STOPPED };
  }
  const uuid = await deps.productUuid();
  const local = { machine: machineBinding(nodeId, uuid), cluster: o.cluster };
  const loaded = await deps.loadBallot(local, { quorum: config.quorum, controlPlanes: config.controlPlanes });
  if (signal.aborted) return { kind: "exit", code: EXIT_STOPPED };
  if (loaded.finishedWrite) log.warn({}, "finished a ballot write that a power loss cut short");
  if (loaded.kind === "created") {
    log.info({ id: loaded.ballot.id, replaced: loaded.replaced, smbiosUuid: uuid !== null }, "ballot created (written once compared with the peers)");
  }
  if (loaded.ballot.bootstrapped) {
    log.info({ id: loaded.ballot.id }, "cluster already bootstrapped (recorded in this node's ballot)");
    return { kind: "exit", code: 0 };
  }
  return { kind: "state", state: loaded.kind === "created" ? initialState(loaded.ballot, true, loaded.replacedId) : initialState(loaded.ballot) };
}
