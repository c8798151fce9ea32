// Our policy: the pure core, driven the way the daemon drives it. The agent's
// memory is an AgentState in this closure, lost with the process; only the
// ballot it returns is durable (the driver persists it before acting).
import { afterBootstrap, initialState, step, type AgentState } from "../../src/core/agent.js";
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
      pass(view, random) {
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
