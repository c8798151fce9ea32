import { describe, expect, it } from "vitest";
import { step, initialState } from "../../../src/core/agent.js";
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

  // Defence in depth: TLS keeps other clusters out of the view, but if one got
  // in, its running etcd must not make our agents exit with no etcd of ours.
  it("ignores the etcd of a control plane whose ballot names another cluster", () => {
    const foreign = { ...ballot(9), cluster: OTHER_CLUSTER };
    const v = view(0, "10.0.0.1", 1, [peer("10.0.0.9", 1, foreign, running)]);
    expect(step(initialState(ballot(1)), v, { ...cfg, quorum: 1 }, 0.5).decision.kind).not.toBe("exit");
  });
});
