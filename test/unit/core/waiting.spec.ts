import { describe, expect, it } from "vitest";
import { initialState, step } from "../../../src/core/agent.js";
import { MAX_ROUND } from "../../../src/core/ballot-number.js";
import type { View } from "../../../src/core/types.js";
import { whyWaiting } from "../../../src/core/waiting.js";
import { ballot, cfg, nominee, num, peer, unknown, view } from "./fixtures.js";

/** why: the words for this node (id 1) after one pass over `v`; every ballot publishes `quorum`, as it must. */
function why(v: View, quorum = cfg.quorum, own = ballot(1)): string {
  const settings = { quorum, controlPlanes: null };
  const peers = v.peers.map((p) => (p.ballot.kind === "ok" ? { ...p, ballot: { kind: "ok" as const, ballot: { ...p.ballot.ballot, settings } } } : p));
  const r = step(initialState({ ...own, settings }), { ...v, peers }, { ...cfg, quorum }, 0.5);
  expect(r.decision.kind).toBe("wait");
  return whyWaiting(r, v, quorum);
}

describe("whyWaiting()", () => {
  it("names the control planes seen and those that cannot vote yet", () => {
    const v = view(0, "10.0.0.2", 100, [peer("10.0.0.3", 200, ballot(3)), peer("10.0.0.4", 300, { kind: "missing" }), peer("10.0.0.5", 300, { kind: "unreadable", reason: "x" })]);
    expect(why(v, 3)).toBe(
      "quorum 3: 2 control planes of this cluster seen (10.0.0.2 (this node), 10.0.0.3); no ballot yet (agent not running?) on 10.0.0.4; ballot unreadable on 10.0.0.5",
    );
  });

  it("counts one alone in the singular", () => {
    expect(why(view(0, "10.0.0.2", 100, []), 2)).toBe("quorum 2: 1 control plane of this cluster seen (10.0.0.2 (this node))");
  });

  it("says whose etcd state is unknown", () => {
    const v = view(0, "10.0.0.2", 100, [peer("10.0.0.3", 200, ballot(3), unknown)]);
    expect(why(v)).toBe("etcd state unknown on 10.0.0.3: deadline exceeded: nobody bootstraps until it can be read");
  });

  it("with a quorum in view, names the best candidate it waits for", () => {
    expect(why(view(0, "10.0.0.2", 300, [peer("10.0.0.3", 200, ballot(3))]))).toBe("quorum 2 in view; waiting for the best candidate 10.0.0.3 to propose");
  });

  it("as the best candidate, says it proposes after the pre-bootstrap delay", () => {
    expect(why(view(0, "10.0.0.2", 100, [peer("10.0.0.3", 200, ballot(3))]))).toBe(
      "quorum 2 in view; this node is the best candidate and proposes after the pre-bootstrap delay",
    );
  });

  it("as the best candidate, says why it cannot propose once a peer pushed the rounds to the bound", () => {
    const v = view(0, "10.0.0.2", 100, [peer("10.0.0.3", 200, ballot(3, { promised: num(MAX_ROUND, 3) }))]);
    expect(why(v)).toMatch(/^quorum 2 in view; no proposal can go above round 2147483648, the highest a ballot may carry \(2\^31\).*talosctl bootstrap/);
  });

  it("counts the answers to the open proposal", () => {
    const proposer = ballot(3, { promised: num(1, 3), proposal: { phase: "prepare", number: num(1, 3) } });
    const v = view(0, "10.0.0.2", 300, [peer("10.0.0.3", 200, proposer), peer("10.0.0.4", 400, ballot(4))]);
    expect(why(v, 3)).toBe("quorum 3 in view; proposal round 1 by 10.0.0.3: promised by 2, 3 needed");
  });

  it("follows a chosen nominee", () => {
    const chosen = { number: num(1, 3), nominee: nominee(3) };
    const v = view(0, "10.0.0.2", 300, [peer("10.0.0.3", 200, ballot(3, { promised: num(1, 3), accepted: chosen }))]);
    expect(why(v, 2, ballot(1, { promised: num(1, 3), accepted: chosen }))).toBe("following nominee 10.0.0.3: waiting for its etcd to run");
  });
});
