import { describe, expect, it } from "vitest";
import { step, initialState, type AgentState, type Decision } from "../../../src/core/agent.js";
import { clusterStatus } from "../../../src/core/evidence.js";
import { survey } from "../../../src/core/survey.js";
import type { Ballot, View } from "../../../src/core/types.js";
import { absent, ballot, cfg, OTHER_CLUSTER, peer, present, running, SIBLING, unknown, view } from "./fixtures.js";

const status = (v: View, own: Ballot = ballot(1)) => clusterStatus(v, own, survey(v, own, { quorum: 2, controlPlanes: null }));

describe("clusterStatus()", () => {
  it("is bootstrapped when etcd runs on any control plane of ours, even beside unknowns", () => {
    const v = view(0, "10.0.0.1", 1, [peer("10.0.0.2", 1, ballot(2), running), peer("10.0.0.3", 1, ballot(3), unknown)]);
    expect(status(v)).toEqual({ kind: "bootstrapped", by: ["10.0.0.2: etcd running"] });
  });

  it("is bootstrapped by an etcd data directory even while etcd is down everywhere (a full power cycle)", () => {
    const v = view(0, "10.0.0.1", 1, [peer("10.0.0.2", 1, ballot(2), absent, { data: present })]);
    expect(status(v).kind).toBe("bootstrapped");
    expect(status(view(0, "10.0.0.1", 1, [], absent, { etcdData: present })).kind).toBe("bootstrapped");
  });

  it("is bootstrapped when our own or a peer's ballot recorded it", () => {
    expect(status(view(0, "10.0.0.1", 1, []), ballot(1, { bootstrapped: true })).kind).toBe("bootstrapped");
    expect(status(view(0, "10.0.0.1", 1, [peer("10.0.0.2", 1, ballot(2, { bootstrapped: true }))])).kind).toBe("bootstrapped");
  });

  it("fails closed: one unreadable control plane makes the answer unknown", () => {
    const v = view(0, "10.0.0.1", 1, [peer("10.0.0.2", 1, ballot(2), absent), peer("10.0.0.3", 1, ballot(3), unknown)]);
    expect(status(v).kind).toBe("unknown");
    const data = view(0, "10.0.0.1", 1, [peer("10.0.0.2", 1, ballot(2), absent, { data: { kind: "unknown", reason: "List: timeout" } })]);
    expect(status(data).kind).toBe("unknown");
  });

  it("fails closed on its own etcd too", () => {
    expect(status(view(0, "10.0.0.1", 1, [], unknown)).kind).toBe("unknown");
  });

  it("is not-bootstrapped only when every control plane in view is known absent with an empty data directory", () => {
    const v = view(0, "10.0.0.1", 1, [peer("10.0.0.2", 1, ballot(2), absent)]);
    expect(status(v)).toEqual({ kind: "not-bootstrapped" });
  });

  it("doubts running etcd on a control plane whose ballot it cannot read: it may be ours", () => {
    const v = view(0, "10.0.0.1", 1, [peer("10.0.0.2", 1, { kind: "unreadable", reason: "bad json" }, running)]);
    expect(status(v)).toEqual({ kind: "unknown", reasons: ["10.0.0.2: etcd running, but its ballot is unreadable (bad json)"] });
  });

  it("turns etcd on a control plane without a ballot into doubt: it may be another cluster of the same CA", () => {
    const v = view(0, "10.0.0.1", 1, [peer("10.0.0.2", 1, { kind: "missing" }, running)]);
    expect(status(v).kind).toBe("unknown");
  });

  // Defence in depth: TLS keeps other CAs out of the view, but if one got in,
  // or a cluster made from the same secrets shares our network, its running
  // etcd must not make our agents exit with no etcd of ours.
  // It neither settles our cluster (exit with no etcd of ours) nor casts doubt
  // on it (never bootstrap): it says nothing at all.
  it("ignores the etcd of a control plane whose ballot names another cluster (CA, or name and endpoint)", () => {
    for (const cluster of [OTHER_CLUSTER, SIBLING]) {
      for (const etcd of [running, unknown]) {
        const v = view(0, "10.0.0.1", 1, [peer("10.0.0.9", 1, { ...ballot(9), cluster }, etcd, { data: present }), peer("10.0.0.2", 2, ballot(2), absent)]);
        expect(status(v), `${cluster.name} etcd ${etcd.kind}`).toEqual({ kind: "not-bootstrapped" });
      }
    }
  });

  it("bootstraps alone (quorum 1) beside a foreign control plane running etcd", () => {
    for (const cluster of [OTHER_CLUSTER, SIBLING]) {
      const foreign = { ...ballot(9), cluster };
      const decisions = passes(initialState(ballot(1)), (now) => view(now, "10.0.0.1", 1, [peer("10.0.0.9", 0, foreign, running)]), 6);
      expect(decisions.map((d) => d.kind)).toContain("bootstrap");
      expect(decisions.map((d) => d.kind)).not.toContain("exit");
    }
  });
});

/** passes runs `n` steps of one agent, a consent interval apart (its own ballot read back), and returns each decision. */
function passes(state: AgentState, at: (now: number) => View, n: number): Decision[] {
  const out: Decision[] = [];
  for (let i = 0, now = 0; i < n; i++, now += cfg.consentIntervalMs) {
    const v = at(now);
    const r = step(state, { ...v, self: { ...v.self, ballot: { kind: "ok", ballot: state.ballot } } }, { ...cfg, quorum: 1, preBootstrapDelayMs: 0 }, 0.5);
    state = r.state;
    out.push(r.decision);
  }
  return out;
}
