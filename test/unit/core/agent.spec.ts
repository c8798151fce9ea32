import { describe, expect, it } from "vitest";
import { afterBootstrap, initialState, step, type AgentState } from "../../../src/core/agent.js";
import { nextDelay, initialBackoff } from "../../../src/core/backoff.js";
import { absent, ballot, cfg, nominee, num, ok, OTHER_CLUSTER, peer, running, unknown, view } from "./fixtures.js";

describe("step()", () => {
  it("does not propose without a quorum of candidates", () => {
    let s = initialState(ballot(1));
    for (let now = 0; now <= 120_000; now += 10_000) {
      const r = step(s, view(now, "10.0.0.1", 1, [peer("10.0.0.2", 5, { kind: "missing" })]), cfg, 0.5);
      s = r.state;
      expect(r.decision).toMatchObject({ kind: "wait", reason: "scan" });
    }
    expect(s.ballot.proposal).toBeNull();
  });

  it("does not count a foreign ballot toward the quorum", () => {
    const foreign = { ...ballot(2, { accepted: { number: num(9, 1), nominee: nominee(1) } }), cluster: OTHER_CLUSTER };
    const r = step(initialState(ballot(1)), view(50_000, "10.0.0.1", 1, [peer("10.0.0.2", 5, foreign)]), cfg, 0.5);
    expect(r.state.ballot.proposal).toBeNull();
    expect(r.report.chosen).toBeNull();
  });

  it("honours the pre-bootstrap delay, counted from when it first led a quorum", () => {
    const peers = [peer("10.0.0.2", 5, ballot(2))];
    let s = initialState(ballot(1));
    s = step(s, view(1_000, "10.0.0.1", 1, peers), cfg, 0.5).state;
    expect(s.ballot.proposal).toBeNull();
    const early = step(s, view(1_000 + cfg.preBootstrapDelayMs - 1, "10.0.0.1", 1, peers), cfg, 0.5);
    expect(early.state.ballot.proposal).toBeNull();
    expect(early.decision).toMatchObject({ kind: "wait", ms: 1 });
    const due = step(early.state, view(1_000 + cfg.preBootstrapDelayMs, "10.0.0.1", 1, peers), cfg, 0.5);
    expect(due.state.ballot.proposal).toEqual({ phase: "prepare", number: num(1, 1) });
  });

  it("lets only the best candidate propose", () => {
    const s = initialState(ballot(2));
    const r = step(s, view(100_000, "10.0.0.2", 5, [peer("10.0.0.1", 1, ballot(1))]), { ...cfg, preBootstrapDelayMs: 0 }, 0.5);
    expect(r.state.ballot.proposal).toBeNull();
  });

  it("never bootstraps on unknown evidence, even as the chosen nominee", () => {
    const acc = { number: num(1, 1), nominee: nominee(1) };
    const s = initialState(ballot(1, { promised: num(1, 1), accepted: acc }));
    const v = view(0, "10.0.0.1", 1, [peer("10.0.0.2", 5, ballot(2, { promised: num(1, 1), accepted: acc }), unknown)], absent, { ballot: ok(s.ballot) });
    const r = step(s, v, cfg, 0.5);
    expect(r.report.chosen).toEqual(nominee(1));
    expect(r.decision).toMatchObject({ kind: "wait", reason: "etcd evidence unknown" });
  });

  it("exits 0 once etcd runs on any control plane of its cluster", () => {
    const r = step(initialState(ballot(1)), view(0, "10.0.0.1", 1, [peer("10.0.0.2", 5, ballot(2), running)]), cfg, 0.5);
    expect(r.decision).toMatchObject({ kind: "exit", code: 0, reason: "already-bootstrapped" });
    expect(r.state.ballot.bootstrapped).toBe(true);
  });

  it("neither exits nor bootstraps on etcd running where no ballot says which cluster it is", () => {
    const r = step(initialState(ballot(1)), view(0, "10.0.0.1", 1, [peer("10.0.0.2", 5, { kind: "missing" }, running)]), cfg, 0.5);
    expect(r.decision.kind).toBe("wait");
    expect(r.report.status.kind).toBe("unknown");
  });

  it("with three agents exchanging ballots perfectly: one Bootstrap, on the oldest node, then everyone exits", () => {
    // C (10.0.0.3) booted first; A and B share a boot time.
    const nodes = [
      { address: "10.0.0.1", boot: 200, state: initialState(ballot(1)), next: 0, exited: false, etcd: false },
      { address: "10.0.0.2", boot: 200, state: initialState(ballot(2)), next: 0, exited: false, etcd: false },
      { address: "10.0.0.3", boot: 100, state: initialState(ballot(3)), next: 0, exited: false, etcd: false },
    ];
    const bootstraps: string[] = [];
    for (let now = 0; now < 600_000 && !nodes.every((n) => n.exited); now += 250) {
      for (const n of nodes) {
        if (n.exited || now < n.next) continue;
        const peers = nodes.filter((m) => m !== n).map((m) => peer(m.address, m.boot, m.state.ballot, m.etcd ? running : absent));
        const r = step(n.state, view(now, n.address, n.boot, peers, n.etcd ? running : absent, { ballot: ok(n.state.ballot) }), cfg, 0.5);
        n.state = r.state;
        const d = r.decision;
        if (d.kind === "wait") n.next = now + d.ms;
        else if (d.kind === "exit") n.exited = true;
        else {
          bootstraps.push(n.address);
          n.state = afterBootstrap(n.state, "ok", now, cfg, 0.5);
          n.etcd = true; // etcd of the bootstrapped node runs from the next pass on
        }
      }
    }
    expect(bootstraps).toEqual(["10.0.0.3"]);
    expect(nodes.every((n) => n.exited)).toBe(true);
  });
});

describe("afterBootstrap()", () => {
  it("records an OK as requested, and then waits for etcd instead of calling again", () => {
    const s = afterBootstrap(initialState(ballot(1)), "ok", 5, cfg, 0.5);
    expect(s.bootstrap).toEqual({ kind: "requested", at: 5 });
  });

  it("grows the retry backoff and caps it at maxBackoff", () => {
    let s: AgentState = initialState(ballot(1));
    const delays: number[] = [];
    for (let i = 0; i < 12; i++) {
      s = afterBootstrap(s, "retry", 0, cfg, 0.999);
      if (s.bootstrap.kind !== "retry") throw new Error("expected retry");
      delays.push(s.bootstrap.at);
    }
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1] as number);
    expect(delays[0]).toBeLessThanOrEqual(cfg.consentIntervalMs);
    expect(Math.max(...delays)).toBeLessThanOrEqual(cfg.maxBackoffMs);
    expect(delays[delays.length - 1]).toBeGreaterThan(cfg.maxBackoffMs * 0.99);
  });
});

describe("nextDelay()", () => {
  it("stays within [ceiling/2, ceiling] with full jitter", () => {
    expect(nextDelay(initialBackoff, 2_000, 120_000, 0)).toEqual([1_000, { attempt: 1 }]);
    expect(nextDelay({ attempt: 3 }, 2_000, 120_000, 0.999)[0]).toBeLessThanOrEqual(16_000);
    expect(nextDelay({ attempt: 100 }, 2_000, 120_000, 0)[0]).toBe(60_000);
  });
});

