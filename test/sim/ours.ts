// Our policy: the pure core, driven the way the daemon drives it: the
// init-node rule first (core/init-node.ts, as in agent/run.ts), then step().
// The agent's memory is an AgentState in this closure, lost with the process;
// only the ballot it returns is durable (the driver persists it before acting). A
// ballot on disk is used only when it is bound to this machine and cluster,
// as loadBallot() does; otherwise the agent starts with a fresh one, which
// is not on disk until recovery writes it.
import { afterBootstrap, initialState, step, type AgentState } from "../../src/core/agent.js";
import { initNodes } from "../../src/core/init-node.js";
import { sameCluster } from "../../src/core/survey.js";
import type { Ballot } from "../../src/core/types.js";
import type { Policy, StartInfo } from "./world.js";

function load(info: StartInfo): { ballot: Ballot; fresh: boolean; replaces: string | null } {
  const d = info.durable;
  if (d !== null && d.machine === info.machine && sameCluster(d.cluster, info.cluster)) return { ballot: d, fresh: false, replaces: null };
  const ballot: Ballot = {
    version: 2,
    id: info.freshId,
    machine: info.machine,
    cluster: info.cluster,
    settings: info.settings,
    promised: null,
    accepted: null,
    proposal: null,
    bootstrapped: false,
    peers: {},
  };
  return { ballot, fresh: true, replaces: d?.id ?? null };
}

function policy(name: string, oldStore: boolean): Policy {
  return {
    name,
    seesForeign: true,
    oldStore,
    start(info) {
      const cfg = { ...info.schedule.cfg, quorum: info.settings.quorum, controlPlanes: info.settings.controlPlanes };
      const loaded = load(info);
      let state: AgentState = initialState(loaded.ballot, loaded.fresh, loaded.replaces);
      return {
        pass(view, random, nodes) {
          const init = initNodes(nodes);
          if (init.length > 0) return { ballot: null, decision: { kind: "stand-down", init }, note: "init node in view" };
          const before = state.ballot;
          const r = step(state, view, cfg, random);
          state = r.state;
          const chosen = r.report.chosen === null ? "-" : r.report.chosen.address;
          const note = `cands=${r.report.candidates.length} ${r.report.status.kind} chosen=${chosen}${r.report.recovered === null ? "" : " RECOVERED"}`;
          // Like the shell: write only what changed (a fresh ballot is written once recovery is done).
          return { ballot: state.ballot === before ? null : state.ballot, decision: r.decision, note };
        },
        after(answer, now, random) {
          state = afterBootstrap(state, answer, now, cfg, random);
        },
      };
    },
  };
}

export const ours = policy("ours", false);

/** Our core over the previous store (visible before durable): only for the lost-rename family. */
export const oursOldStore = policy("ours, old store", true);
