import { describe, expect, it } from "vitest";
import { afterBootstrap, initialState, step } from "../../../src/core/agent.js";
import { sameStatus, statusOf, type StatusContext } from "../../../src/core/status.js";
import { absent, ballot, cfg, id, nominee, num, ok, peer, running, view } from "./fixtures.js";

const ctx: StatusContext = { quorum: 2, peers: { scan: 1, static: 0 }, recovery: null, lastError: null };

describe("statusOf()", () => {
  it("waits while fewer control planes than the quorum are in view", () => {
    const r = step(initialState(ballot(1)), view(0, "10.0.0.1", 100, []), cfg, 0.5);
    const s = statusOf({ kind: "pass", result: r, view: view(0, "10.0.0.1", 100, []) }, { ...ctx, peers: { scan: 0 } }, null);
    expect(s).toMatchObject({ phase: "waiting", quorum: { seen: 1, needed: 2 }, nominee: null, peers: { scan: 0 } });
    expect(s.why).toMatch(/quorum 2: 1 control plane/);
  });

  it("consents once a quorum is in view, and names the nominee once one is chosen", () => {
    const v = view(0, "10.0.0.1", 100, [peer("10.0.0.2", 200, ballot(2))]);
    const r = step(initialState(ballot(1)), v, cfg, 0.5);
    expect(statusOf({ kind: "pass", result: r, view: v }, ctx, null)).toMatchObject({ phase: "consenting", quorum: { seen: 2, needed: 2 } });

    // A peer (10.0.0.2) was chosen by both acceptors: this node follows it.
    const chosen = { number: num(1, 2), nominee: nominee(2, "10.0.0.2") };
    const p = ballot(2, { promised: num(1, 2), accepted: chosen, proposal: { phase: "accept", ...chosen } });
    const me = ballot(1, { promised: num(1, 2), accepted: chosen });
    const w = view(0, "10.0.0.1", 300, [peer("10.0.0.2", 200, p)]);
    const f = step(initialState(me), w, cfg, 0.5);
    expect(statusOf({ kind: "pass", result: f, view: w }, ctx, null)).toMatchObject({ phase: "nominee", nominee: { id: id(2), address: "10.0.0.2" } });
  });

  it("is bootstrapping while this nominee calls Bootstrap or waits for its etcd, then done", () => {
    const chosen = { number: num(1, 1), nominee: nominee(1, "10.0.0.1") };
    const me = ballot(1, { promised: num(1, 1), accepted: chosen, proposal: { phase: "accept", ...chosen } });
    const p = ballot(2, { promised: num(1, 1), accepted: chosen });
    // Our own ballot reads back through our own address: the node there is us.
    const v = view(0, "10.0.0.1", 100, [peer("10.0.0.2", 200, p)], absent, { ballot: ok(me) });
    const first = step(initialState(me), v, cfg, 0.5);
    expect(first.decision.kind).toBe("bootstrap");
    expect(statusOf({ kind: "pass", result: first, view: v }, ctx, null)).toMatchObject({ phase: "bootstrapping", why: "nominated: calling Bootstrap" });
    expect(statusOf({ kind: "pass", result: first, view: v }, { ...ctx, recovery: "https://b.example/s.db" }, null).why).toBe("nominated: restoring etcd from https://b.example/s.db");

    const after = afterBootstrap(first.state, "ok", 0, cfg, 0.5);
    const waiting = step(after, v, cfg, 0.5);
    expect(statusOf({ kind: "pass", result: waiting, view: v }, ctx, null).phase).toBe("bootstrapping");

    const up = view(1, "10.0.0.1", 100, [peer("10.0.0.2", 200, p)], running, { ballot: ok(me) });
    const done = step(after, up, cfg, 0.5);
    expect(statusOf({ kind: "pass", result: done, view: up }, ctx, null)).toMatchObject({ phase: "done", why: "bootstrap succeeded: etcd runs on this node" });
  });

  it("is done when another node's etcd runs", () => {
    const v = view(0, "10.0.0.1", 100, [peer("10.0.0.2", 200, ballot(2), running)]);
    const r = step(initialState(ballot(1)), v, cfg, 0.5);
    expect(statusOf({ kind: "pass", result: r, view: v }, ctx, null)).toMatchObject({ phase: "done", why: "cluster already bootstrapped (10.0.0.2: etcd running)" });
  });

  it("is refused, with the guard's line, when the core halts", () => {
    const v = view(0, "10.0.0.1", 100, [peer("10.0.0.2", 200, ballot(2, { settings: { quorum: 3, controlPlanes: null } }))]);
    const r = step(initialState(ballot(1)), v, cfg, 0.5);
    expect(statusOf({ kind: "pass", result: r, view: v }, ctx, null)).toMatchObject({ phase: "refused", why: expect.stringMatching(/consent settings differ/) });
  });

  it("carries what the last pass saw into events that see nothing", () => {
    const v = view(0, "10.0.0.1", 100, [peer("10.0.0.2", 200, ballot(2), absent)]);
    const pass = statusOf({ kind: "pass", result: step(initialState(ballot(1)), v, cfg, 0.5), view: v }, ctx, null);
    const acting = statusOf({ kind: "acting", what: "recovery: downloading the snapshot" }, { ...ctx, lastError: "x" }, pass);
    expect(acting).toMatchObject({ phase: "bootstrapping", why: "recovery: downloading the snapshot", quorum: pass.quorum, lastError: "x" });
    expect(statusOf({ kind: "end", phase: "refused", why: "bootstrap refused: etcd is not configured" }, ctx, acting).phase).toBe("refused");
    expect(statusOf({ kind: "unready", reason: "own apid refused" }, ctx, null)).toMatchObject({ phase: "waiting", why: "waiting for this node's own apid: own apid refused" });
  });
});

describe("sameStatus()", () => {
  it("compares content, so an unchanged pass writes nothing", () => {
    const s = statusOf({ kind: "unready", reason: "x" }, ctx, null);
    expect(sameStatus(null, s)).toBe(false);
    expect(sameStatus(s, { ...s })).toBe(true);
    expect(sameStatus(s, { ...s, why: "y" })).toBe(false);
  });
});
