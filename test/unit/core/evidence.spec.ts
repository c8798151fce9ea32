import { describe, expect, it } from "vitest";
import { step, initialState, type AgentState, type Decision } from "../../../src/core/agent.js";
import { clusterStatus } from "../../../src/core/evidence.js";
import { absent, ballot, cfg, CLUSTER, OTHER_CLUSTER, peer, running, unknown, view } from "./fixtures.js";

describe("clusterStatus()", () => {
  it("is bootstrapped when etcd runs on any control plane, even beside unknowns", () => {
    const v = view(0, "10.0.0.1", 1, [peer("10.0.0.2", 1, { kind: "missing" }, running), peer("10.0.0.3", 1, ballot(3), unknown)]);
    expect(clusterStatus(v, CLUSTER)).toEqual({ kind: "bootstrapped", by: ["10.0.0.2"] });
  });

  it("fails closed: one unreadable control plane makes the answer unknown", () => {
    const v = view(0, "10.0.0.1", 1, [peer("10.0.0.2", 1, ballot(2), absent), peer("10.0.0.3", 1, ballot(3), unknown)]);
    expect(clusterStatus(v, CLUSTER).kind).toBe("unknown");
  });

  it("fails closed on its own etcd too", () => {
    expect(clusterStatus(view(0, "10.0.0.1", 1, [], unknown), CLUSTER).kind).toBe("unknown");
  });

  it("is not-bootstrapped only when every control plane in view is known absent", () => {
    const v = view(0, "10.0.0.1", 1, [peer("10.0.0.2", 1, ballot(2), absent)]);
    expect(clusterStatus(v, CLUSTER)).toEqual({ kind: "not-bootstrapped" });
  });

  it("doubts running etcd on a control plane whose ballot it cannot read: it may be ours", () => {
    const v = view(0, "10.0.0.1", 1, [peer("10.0.0.2", 1, { kind: "unreadable", reason: "bad json" }, running)]);
    expect(clusterStatus(v, CLUSTER)).toEqual({ kind: "unknown", reasons: ["10.0.0.2: etcd running but its ballot is unreadable"] });
  });

  // Defence in depth: TLS keeps other clusters out of the view, but if one got
  // in, its etcd must neither settle our cluster (exit with no etcd of ours)
  // nor cast doubt on it (never bootstrap): it says nothing at all.
  it("ignores the etcd of a control plane whose ballot names another cluster", () => {
    const foreign = { ...ballot(9), cluster: OTHER_CLUSTER };
    for (const etcd of [running, unknown]) {
      const v = view(0, "10.0.0.1", 1, [peer("10.0.0.9", 1, foreign, etcd), peer("10.0.0.2", 2, ballot(2), absent)]);
      expect(clusterStatus(v, CLUSTER), `foreign etcd ${etcd.kind}`).toEqual({ kind: "not-bootstrapped" });
    }
  });

  it("bootstraps alone (quorum 1) beside a foreign control plane running etcd", () => {
    const foreign = { ...ballot(9), cluster: OTHER_CLUSTER };
    const decisions = passes(initialState(ballot(1)), (now) => view(now, "10.0.0.1", 1, [peer("10.0.0.9", 0, foreign, running)]), 6);
    expect(decisions.map((d) => d.kind)).toContain("bootstrap");
    expect(decisions.map((d) => d.kind)).not.toContain("exit");
  });
});

/** passes runs `n` steps of one agent, a consent interval apart, and returns each decision. */
function passes(state: AgentState, at: (now: number) => ReturnType<typeof view>, n: number): Decision[] {
  const out: Decision[] = [];
  for (let i = 0, now = 0; i < n; i++, now += cfg.consentIntervalMs) {
    const r = step(state, at(now), { ...cfg, quorum: 1, preBootstrapDelayMs: 0 }, 0.5);
    state = r.state;
    out.push(r.decision);
  }
  return out;
}
