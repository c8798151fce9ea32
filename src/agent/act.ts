// Carrying out one decision of the core: wait, exit, or call Bootstrap on our
// own apid (with an armed recovery: restore the snapshot, agent/recovery.ts).
// What an answer to Bootstrap means is the core's table
// (core/bootstrap-answer.ts); this file logs it and feeds it back.
import { afterBootstrap, type AgentState, type CoreConfig, type StepResult } from "../core/agent.js";
import { afterAnswer, type BootstrapAnswer } from "../core/bootstrap-answer.js";
import type { RecoveryConfig } from "../config/recovery.js";
import type { Logger } from "../log.js";
import type { Recovery, RecoveryStage } from "../recovery/recover.js";
import type { RunDeps } from "./deps.js";
import type { TalosPort } from "./port.js";
import { stageText } from "./recovery.js";
import { EXIT_STOPPED } from "./startup.js";
import type { StatusShell } from "./status.js";

export interface Actor {
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly self: string;
  readonly port: TalosPort;
  readonly deps: RunDeps;
  readonly core: CoreConfig;
  readonly status: StatusShell;
  /** The armed recovery and how to carry it out, or null for a plain Bootstrap. */
  readonly recovery: { readonly config: RecoveryConfig; readonly run: Recovery } | null;
}

export type Next = { readonly kind: "continue"; readonly state: AgentState } | { readonly kind: "exit"; readonly code: number };

export async function act(a: Actor, result: StepResult): Promise<Next> {
  const d = result.decision;
  switch (d.kind) {
    case "wait":
      return (await a.deps.sleep(d.ms, a.signal)) ? { kind: "continue", state: result.state } : { kind: "exit", code: EXIT_STOPPED };
    case "exit": {
      const by = result.report.status.kind === "bootstrapped" ? result.report.status.by : [];
      a.log.info({ reason: d.reason, by }, d.reason === "bootstrap-succeeded" ? "bootstrap succeeded" : "cluster already bootstrapped");
      return { kind: "exit", code: d.code };
    }
    case "halt":
      // A guarantee no longer holds: stop; Talos restarts the service (restart: untilSuccess).
      a.log.error({ reason: d.reason }, "refusing to act");
      return { kind: "exit", code: d.code };
    case "bootstrap":
      return bootstrap(a, result.state);
    default: {
      const unreachable: never = d;
      throw new Error(`unknown decision ${JSON.stringify(unreachable)}`);
    }
  }
}

async function bootstrap(a: Actor, state: AgentState): Promise<Next> {
  let stage: RecoveryStage = "bootstrap";
  let answer: BootstrapAnswer;
  if (a.recovery === null) {
    a.log.info({ address: a.self }, "bootstrap executing");
    answer = await a.port.bootstrap(a.self, a.signal);
  } else {
    const r = a.recovery;
    answer = await r.run.attempt(a.signal, (s) => {
      stage = s;
      return a.status.acting(stageText(r.config, s));
    });
  }
  if (stage === "bootstrap") logAnswer(a.log, a.self, answer);
  else logRecovery(a.log, stage, answer);
  if (answer.kind === "retry" || answer.kind === "refused") a.status.error(answer.reason);
  const next = afterAnswer(answer);
  if (next === "stop") {
    await a.status.end("refused", answer.kind === "refused" ? `bootstrap refused: ${answer.reason}` : "bootstrap refused");
    return { kind: "exit", code: 1 };
  }
  return { kind: "continue", state: afterBootstrap(state, next, a.deps.now(), a.core, a.deps.random()) };
}

/** logRecovery: an attempt that ended before Bootstrap (no Bootstrap was called). */
function logRecovery(log: Logger, stage: RecoveryStage, answer: BootstrapAnswer): void {
  if (answer.kind === "refused") log.error({ stage, reason: answer.reason }, "recovery refused");
  else log.warn({ stage, reason: answer.kind === "retry" ? answer.reason : answer.kind }, "recovery failed; will retry");
}

function logAnswer(log: Logger, address: string, answer: BootstrapAnswer): void {
  switch (answer.kind) {
    case "ok":
      return log.info({ address }, "bootstrap accepted; waiting for etcd");
    case "already-exists":
      return log.info({ address }, "bootstrap already done");
    case "retry":
      return log.warn({ reason: answer.reason }, "bootstrap not possible yet; will retry");
    case "refused":
      return log.error({ reason: answer.reason }, "bootstrap refused");
    default: {
      const unreachable: never = answer;
      throw new Error(`unknown answer ${JSON.stringify(unreachable)}`);
    }
  }
}
