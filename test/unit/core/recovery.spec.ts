// Recovery at start: before answering anything, an agent compares its
// register with what its peers last saw of it, and adopts the higher state.
import { describe, expect, it } from "vitest";
import { initialState, step, type AgentState, type StepResult } from "../../../src/core/agent.js";
import type { Ballot, View, Witness } from "../../../src/core/types.js";
import { learn, witnessOf } from "../../../src/core/witness.js";
import { ballot, cfg, id, machine, nominee, num, peer, view } from "./fixtures.js";

const pass = (s: AgentState, v: View): StepResult => step(s, v, cfg, 0.5);
const witness = (over: Partial<Witness> = {}): Witness => ({ machine: machine(1), promised: null, accepted: null, proposal: null, ...over });
const seeing = (ofUs: Record<string, Witness>): Ballot => ballot(2, { peers: ofUs });

describe("recovery at start", () => {
  it("answers nothing until a quorum's worth of peer registers answered (a missing one counts)", () => {
    const s = initialState(ballot(1));
    const prepare = ballot(2, { proposal: { phase: "prepare", number: num(1, 2) } });
    const alone = pass(s, view(0, "10.0.0.1", 1, [peer("10.0.0.2", 5, { kind: "unreadable", reason: "x" })]));
    expect(alone.decision).toMatchObject({ kind: "wait", reason: expect.stringMatching(/recovering: 0 of 1/) });
    expect(alone.state.ballot).toBe(s.ballot);
    const r = pass(s, view(0, "10.0.0.1", 1, [peer("10.0.0.2", 5, prepare)]));
    expect(r.state.recovery.kind).toBe("done");
    expect(r.state.ballot.promised).toEqual(num(1, 2));
    expect(pass(s, view(0, "10.0.0.1", 1, [peer("10.0.0.2", 5, { kind: "missing" })])).state.recovery.kind).toBe("done");
  });

  it("waits up to a scan interval for unreadable peers, then goes on with what answered", () => {
    const s = initialState(ballot(1));
    const peers = [peer("10.0.0.2", 5, ballot(2)), peer("10.0.0.3", 5, { kind: "unreadable", reason: "x" })];
    const first = pass(s, view(1_000, "10.0.0.1", 1, peers));
    expect(first.decision).toMatchObject({ kind: "wait", reason: expect.stringMatching(/1 peer registers unreadable/) });
    expect(pass(first.state, view(1_000 + cfg.scanIntervalMs - 1, "10.0.0.1", 1, peers)).state.recovery.kind).toBe("pending");
    expect(pass(first.state, view(1_000 + cfg.scanIntervalMs, "10.0.0.1", 1, peers)).state.recovery.kind).toBe("done");
  });

  it("adopts what its peers read of it when its own file went back in time", () => {
    const promised = num(4, 3);
    const accepted = { number: num(4, 3), nominee: nominee(3) };
    const r = pass(initialState(ballot(1, { promised: num(1, 2) })), view(0, "10.0.0.1", 1, [peer("10.0.0.2", 5, seeing({ [id(1)]: witness({ promised, accepted }) }))]));
    expect(r.state.ballot).toMatchObject({ id: id(1), promised, accepted });
    expect(r.report.recovered).toMatch(/went back in time/);
  });

  it("with no file at all, resumes the ballot id its peers remember for this machine", () => {
    const fresh = ballot(7, { machine: machine(1) });
    const old = witness({ promised: num(2, 3), accepted: { number: num(2, 3), nominee: nominee(3) } });
    const r = pass(initialState(fresh, true), view(0, "10.0.0.1", 1, [peer("10.0.0.2", 5, seeing({ [id(1)]: old }))]));
    expect(r.state.ballot).toMatchObject({ id: id(1), promised: num(2, 3), accepted: old.accepted });
    expect(r.report.recovered).toMatch(/resumed as ballot id/);
  });

  it("writes a fresh ballot only once recovery is done", () => {
    const s = initialState(ballot(7), true);
    expect(pass(s, view(0, "10.0.0.1", 1, [])).state.ballot).toBe(s.ballot);
    const done = pass(s, view(0, "10.0.0.1", 1, [peer("10.0.0.2", 5, { kind: "missing" })]));
    expect(done.state.ballot).not.toBe(s.ballot);
    expect(done.state.ballot).toEqual(s.ballot);
  });

  it("stops when a peer saw our id bound to another machine", () => {
    const r = pass(initialState(ballot(1)), view(0, "10.0.0.1", 1, [peer("10.0.0.2", 5, seeing({ [id(1)]: witness({ machine: machine(8) }) }))]));
    expect(r.decision).toMatchObject({ kind: "halt", reason: expect.stringMatching(/bound to two machines/) });
  });

  it("once running, stops on a register under our id that shows a state it never wrote", () => {
    const s: AgentState = { ...initialState(ballot(1, { promised: num(1, 2) })), recovery: { kind: "done" } };
    const r = pass(s, view(0, "10.0.0.1", 1, [peer("10.0.0.2", 5, seeing({ [id(1)]: witness({ promised: num(9, 2) }) }))]));
    expect(r.decision).toMatchObject({ kind: "halt", reason: expect.stringMatching(/never wrote: another machine writes under this id/) });
  });
});

describe("learn()", () => {
  it("records each acceptor's register and the registers it witnessed, and changes nothing when nothing grew", () => {
    const c = witness({ machine: machine(3), promised: num(2, 3) });
    const b2 = ballot(2, { promised: num(1, 2), peers: { [id(3)]: c, [id(1)]: witness() } });
    const own = ballot(1);
    const peers = learn(own, [{ id: id(2), ballot: b2 }]);
    expect(peers).toEqual({ [id(2)]: witnessOf(b2), [id(3)]: c });
    const again = learn({ ...own, peers: peers as Record<string, Witness> }, [{ id: id(2), ballot: b2 }]);
    expect(again).toBe(peers);
  });
});
