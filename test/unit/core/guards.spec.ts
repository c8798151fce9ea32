// The guards that keep Paxos's assumptions true or stop the agent: one
// machine per ballot id, one acceptor per host, the same consent settings
// everywhere, a quorum that stays a majority of every acceptor ever seen.
import { describe, expect, it } from "vitest";
import { initialState, step, type AgentState, type StepResult } from "../../../src/core/agent.js";
import { MAX_ROUND } from "../../../src/core/ballot-number.js";
import type { View } from "../../../src/core/types.js";
import { ballot, cfg, id, machine, nominee, num, ok, peer, view } from "./fixtures.js";

/** A state past recovery, so the pass under test is an ordinary one. */
const running = (s: AgentState): AgentState => ({ ...s, recovery: { kind: "done" } });
const pass = (s: AgentState, v: View, c = cfg): StepResult => step(s, v, c, 0.5);
const halted = (r: StepResult): string => (r.decision.kind === "halt" ? r.decision.reason : `not halted: ${r.decision.kind}`);

describe("identity: a ballot is one machine", () => {
  it("stops when our ballot id answers at an address that is not ours behind another server key (a clone)", () => {
    const v = view(0, "10.0.0.1", 1, [peer("10.0.0.7", 1, ballot(1), undefined, { key: "k7" })], undefined, { serverKey: "k1" });
    expect(halted(pass(running(initialState(ballot(1))), v))).toMatch(/our ballot id .* is also served at 10\.0\.0\.7: a cloned machine/);
  });

  it("without server keys, takes our id elsewhere for us (NAT) until it shows a state we never wrote", () => {
    const s = running(initialState(ballot(1, { promised: num(2, 2) })));
    expect(pass(s, view(0, "10.0.0.1", 1, [peer("192.0.2.1", 1, ballot(1, { promised: num(1, 2) })), peer("10.0.0.2", 5, ballot(2))])).decision.kind).toBe("wait");
    const diverged = view(0, "10.0.0.1", 1, [peer("192.0.2.1", 1, ballot(1, { promised: num(5, 2) }))]);
    expect(halted(pass(s, diverged))).toMatch(/never wrote/);
  });

  it("stops when another ballot id is bound to this machine elsewhere", () => {
    const other = { ...ballot(2), machine: machine(1) };
    expect(halted(pass(running(initialState(ballot(1))), view(0, "10.0.0.1", 1, [peer("10.0.0.2", 1, other)])))).toMatch(/bound to this machine/);
  });

  it("takes our id behind our own server key for ourselves (a NAT address), not for a clone", () => {
    const v = view(0, "10.0.0.1", 1, [peer("192.0.2.1", 1, ballot(1), undefined, { key: "k1" }), peer("10.0.0.2", 5, ballot(2))], undefined, { serverKey: "k1" });
    expect(pass(running(initialState(ballot(1))), v).decision.kind).toBe("wait");
  });

  it("stops when the node answering at our own address holds another ballot: our address moved", () => {
    const v = view(0, "10.0.0.1", 1, [peer("10.0.0.2", 5, ballot(2))], undefined, { ballot: ok(ballot(3)) });
    expect(halted(pass(running(initialState(ballot(1))), v))).toMatch(/10\.0\.0\.1 answers as ballot id .*address moved/);
  });

  it("takes a fresh ballot that replaces a copied file for its own: the copy at its address is not 'moved' before the first write", () => {
    // k's EPHEMERAL holds a's ballot (another binding); k made a fresh ballot and has not written it yet.
    const copy = ballot(9);
    const fresh = initialState(ballot(1), true, copy.id);
    const first = pass(fresh, view(0, "10.0.0.1", 1, [peer("10.0.0.2", 5, ballot(2)), peer("10.0.0.9", 0, copy)], undefined, { ballot: ok(copy) }));
    expect(first.decision.kind, halted(first)).toBe("wait");
    expect(first.state.recovery.kind).toBe("done");
    expect(first.state.ballot.id, "written for the first time").toBe(id(1));
    // Once written, the same read-back is another node at our address again.
    const later = pass(first.state, view(1, "10.0.0.1", 1, [peer("10.0.0.2", 5, ballot(2))], undefined, { ballot: ok(copy) }));
    expect(halted(later)).toMatch(/answers as ballot id .*address moved/);
  });

  it("stops a fresh ballot, before its first write, when another node's ballot answers at its address (it moved)", () => {
    // Not the file it replaces: a node that took over our address has its own ballot there.
    const fresh = initialState(ballot(1), true, id(9));
    const r = pass(fresh, view(0, "10.0.0.1", 1, [peer("10.0.0.2", 5, ballot(2))], undefined, { ballot: ok(ballot(3)) }));
    expect(halted(r)).toMatch(/answers as ballot id .*address moved/);
    expect(halted(pass(initialState(ballot(1), true), view(0, "10.0.0.1", 1, [], undefined, { ballot: ok(ballot(3)) })))).toMatch(/address moved/);
  });

  it("stops on a ballot number that carries two nominees", () => {
    const a = { number: num(3, 2), nominee: nominee(2) };
    const b = { number: num(3, 2), nominee: nominee(3) };
    const v = view(0, "10.0.0.1", 1, [peer("10.0.0.2", 5, ballot(2, { accepted: a })), peer("10.0.0.3", 5, ballot(3, { accepted: b }))]);
    expect(halted(pass(running(initialState(ballot(1))), v))).toMatch(/carries two nominees/);
  });

  it("never bootstraps as a nominee of our id bound to another machine", () => {
    const acc = { number: num(1, 1), nominee: { ...nominee(1), machine: machine(9) } };
    const s = running(initialState(ballot(1, { promised: num(1, 1), accepted: acc })));
    const v = view(0, "10.0.0.1", 1, [peer("10.0.0.2", 5, ballot(2, { promised: num(1, 1), accepted: acc }))], undefined, { ballot: ok(s.ballot) });
    expect(pass(s, v).decision).toMatchObject({ kind: "wait", reason: expect.stringMatching(/following/) });
  });

  it("as the chosen nominee, calls Bootstrap only once its own address is proven to be itself", () => {
    const acc = { number: num(1, 1), nominee: nominee(1) };
    const s = running(initialState(ballot(1, { promised: num(1, 1), accepted: acc })));
    const peers = [peer("10.0.0.2", 5, ballot(2, { promised: num(1, 1), accepted: acc }))];
    expect(pass(s, view(0, "10.0.0.1", 1, peers, undefined, { ballot: ok(s.ballot) })).decision.kind).toBe("bootstrap");
    expect(pass(s, view(0, "10.0.0.1", 1, peers, undefined, { ballot: { kind: "unreadable", reason: "timeout" } })).decision.kind).toBe("wait");
    expect(halted(pass(s, view(0, "10.0.0.1", 1, peers)))).toMatch(/a node without our ballot/);
  });
});

describe("acceptor identity: one host counts once", () => {
  it("refuses two ballot ids behind one server key, and one id behind two keys", () => {
    const s = running(initialState(ballot(1)));
    const twins = pass(s, view(0, "10.0.0.1", 1, [peer("10.0.0.2", 5, ballot(2), undefined, { key: "k" }), peer("10.0.0.3", 5, ballot(3), undefined, { key: "k" })]));
    expect(twins.report.candidates).toHaveLength(1);
    expect(twins.report.refusals.join("\n")).toMatch(/one server key k… serves ballot ids/);
    const split = pass(s, view(0, "10.0.0.1", 1, [peer("10.0.0.2", 5, ballot(2), undefined, { key: "k2" }), peer("10.0.1.2", 5, ballot(2), undefined, { key: "k3" })]));
    expect(split.report.candidates).toHaveLength(1);
    expect(split.report.refusals.join("\n")).toMatch(/2 different server keys/);
  });

  it("counts one id at two addresses behind one key once", () => {
    const v = view(0, "10.0.0.1", 1, [peer("10.0.0.2", 5, ballot(2), undefined, { key: "k" }), peer("10.0.1.2", 5, ballot(2), undefined, { key: "k" })]);
    const r = pass(running(initialState(ballot(1))), v);
    expect(r.report.candidates).toHaveLength(2);
    expect(r.report.refusals).toEqual([]);
  });
});

describe("quorum guard (as Consul's bootstrap_expect)", () => {
  it("stops every agent when a peer has other consent settings, naming both", () => {
    const v = view(0, "10.0.0.1", 1, [peer("10.0.0.2", 5, ballot(2, { settings: { quorum: 3, controlPlanes: 5 } }))]);
    expect(halted(pass(running(initialState(ballot(1))), v))).toMatch(/QUORUM_NODES=2 CONTROL_PLANES=unset.*QUORUM_NODES=3 CONTROL_PLANES=5/);
  });

  it("publishes its own ballot before it stops on other settings, so the peer that started first stops too", () => {
    const other = peer("10.0.0.2", 5, ballot(2, { settings: { quorum: 3, controlPlanes: 3 } }));
    // A fresh ballot, recovery done in this very pass (one peer answered, quorum 2): written, then the halt.
    const fresh = initialState(ballot(1), true);
    const r = pass(fresh, view(0, "10.0.0.1", 1, [other]));
    expect(halted(r)).toMatch(/consent settings differ/);
    expect(r.state.ballot, "returned for writing").not.toBe(fresh.ballot);
    expect(r.state.ballot.settings).toEqual({ quorum: 2, controlPlanes: null });
    // Too few peers answered to recover (quorum 3): still written, with our settings, before the halt.
    const early = initialState(ballot(1, { settings: { quorum: 3, controlPlanes: 3 } }), true);
    const w = pass(early, view(0, "10.0.0.1", 1, [peer("10.0.0.2", 5, ballot(2))]), { ...cfg, quorum: 3, controlPlanes: 3 });
    expect(halted(w)).toMatch(/this node has QUORUM_NODES=3 CONTROL_PLANES=3, the node at 10\.0\.0\.2 .* has QUORUM_NODES=2 CONTROL_PLANES=unset/);
    expect(w.state.ballot).not.toBe(early.ballot);
    expect(w.state.ballot).toMatchObject({ id: early.ballot.id, promised: null, accepted: null, proposal: null });
  });

  it("refuses more control planes in view than CONTROL_PLANES", () => {
    const c = { ...cfg, controlPlanes: 3 };
    const settings = { quorum: 2, controlPlanes: 3 };
    const peers = [2, 3, 4].map((n) => peer(`10.0.0.${n}`, 5, ballot(n, { settings })));
    const s = running(initialState(ballot(1, { settings })));
    expect(halted(pass(s, view(0, "10.0.0.1", 1, peers), c))).toMatch(/4 control planes of this cluster in view, more than 3/);
    expect(pass(s, view(0, "10.0.0.1", 1, peers.slice(0, 2)), c).decision.kind).toBe("wait");
  });

  it("without CONTROL_PLANES, refuses once more than 2·quorum − 1 ballot ids were ever seen, gossip included", () => {
    const s = running(initialState(ballot(1)));
    const w = { machine: machine(9), promised: null, accepted: null, proposal: null };
    const three = view(0, "10.0.0.1", 1, [peer("10.0.0.2", 5, ballot(2)), peer("10.0.0.3", 5, ballot(3))]);
    expect(pass(s, three).decision.kind).toBe("wait");
    const gossip = view(0, "10.0.0.1", 1, [peer("10.0.0.2", 5, ballot(2, { peers: { [id(9)]: w } })), peer("10.0.0.3", 5, ballot(3))]);
    expect(halted(pass(s, gossip))).toMatch(/4 ballot ids of this cluster ever seen, more than 3/);
    // Persisted: the next pass refuses even with nobody in view.
    const remembered = running(initialState(ballot(1, { peers: { [id(2)]: w, [id(3)]: w, [id(9)]: w } })));
    expect(halted(pass(remembered, view(0, "10.0.0.1", 1, [])))).toMatch(/ever seen/);
  });

  it("refuses a change of its own settings under an open decision, and takes it otherwise", () => {
    const c = { ...cfg, quorum: 3 };
    const open = running(initialState(ballot(1, { promised: num(1, 2) })));
    expect(halted(pass(open, view(0, "10.0.0.1", 1, []), c))).toMatch(/open decision was made with QUORUM_NODES=2/);
    const idle = pass(running(initialState(ballot(1))), view(0, "10.0.0.1", 1, []), c);
    expect(idle.state.ballot.settings).toEqual({ quorum: 3, controlPlanes: null });
  });
});

describe("bounds", () => {
  it("never proposes a round above MAX_ROUND", () => {
    const top = ballot(2, { promised: num(MAX_ROUND, 2) });
    let s = running(initialState(ballot(1)));
    for (let now = 0; now <= 60_000; now += 10_000) s = pass(s, view(now, "10.0.0.1", 1, [peer("10.0.0.2", 5, top)])).state;
    expect(s.ballot.proposal).toBeNull();
    expect(s.bestSince).not.toBeNull();
  });

  it("keeps working beside a peer whose ballot was refused as malformed (a round of 2^53 − 1)", () => {
    const refused = peer("10.0.0.9", 1, { kind: "unreadable", reason: "promised.round must be an integer in [1, 2147483648]" });
    let s = running(initialState(ballot(1)));
    let r = pass(s, view(0, "10.0.0.1", 1, [refused, peer("10.0.0.2", 5, ballot(2))]));
    for (let now = 0; now <= 20_000; now += 2_000) {
      s = r.state;
      r = pass(s, view(now, "10.0.0.1", 1, [refused, peer("10.0.0.2", 5, ballot(2, { promised: s.ballot.proposal?.number ?? null }))]));
    }
    expect(r.state.ballot.proposal?.number.round).toBe(1);
  });

  it("exits at once, on any boot, when its own ballot recorded the cluster bootstrapped", () => {
    const r = pass(initialState(ballot(1, { bootstrapped: true })), view(0, "10.0.0.1", 1, [], { kind: "unknown", reason: "etcd down" }));
    expect(r.decision).toMatchObject({ kind: "exit", code: 0 });
  });
});
