// Our policy: the pure core, driven the way the daemon drives it: the
// init-node rule first (core/init-node.ts, as in agent/run.ts), then step().
// The agent's memory is an AgentState in this closure, lost with the process;
// only the ballot it returns is durable (the driver persists it before acting).
import { afterBootstrap, initialState, step, type AgentState } from "../../src/core/agent.js";
import { initNodes } from "../../src/core/init-node.js";
import type { Ballot } from "../../src/core/types.js";
import type { Policy } from "./world.js";

export const ours: Policy = {
  name: "ours",
  seesForeign: true,
  start(spec, schedule, durable) {
    const fresh: Ballot = { version: 1, id: spec.id, cluster: schedule.cluster, promised: null, accepted: null, proposal: null };
    const cfg = schedule.cfg;
    let state: AgentState = initialState(durable ?? fresh);
    return {
      pass(view, random, nodes) {
        const init = initNodes(nodes);
        if (init.length > 0) return { ballot: null, decision: { kind: "stand-down", init }, note: "init node in view" };
        const r = step(state, view, cfg, random);
        state = r.state;
        const chosen = r.report.chosen === null ? "-" : r.report.chosen.address;
        return { ballot: state.ballot, decision: r.decision, note: `cands=${r.report.candidates.length} ${r.report.status.kind} chosen=${chosen}` };
      },
      after(answer, now, random) {
        state = afterBootstrap(state, answer, now, cfg, random);
      },
    };
  },
};
