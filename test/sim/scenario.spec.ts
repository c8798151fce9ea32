// Fixed scenario: three control planes, quorum 2, A and C cut from each other
// both ways for good, B reaching both; boot times A < C < B. Seeing a quorum,
// A and C each think they are the oldest: the old agent's split brain.
import { describe, expect, it } from "vitest";
import { baseline } from "./baseline.js";
import { ours } from "./ours.js";
import { bridge, initNode, islands, multiHomedTie } from "./scenarios.js";
import { simulate, type Outcome } from "./simulate.js";

const VARIANTS = 300;

const show = (o: Outcome): string => `seed ${o.seed}: ${o.violation ?? o.livenessFailure ?? "ok"}\n${(o.trace ?? []).join("\n")}`;

describe("bridge scenario (no heal: A↮C forever, B reaches both)", () => {
  it("our core bootstraps exactly once, through B, and every agent exits 0", () => {
    const o = simulate(bridge(), ours, true);
    expect(o.violation, show(o)).toBeNull();
    expect(o.livenessFailure, show(o)).toBeNull();
    expect(o.healToDoneMs).not.toBeNull();
  });

  it(`our core stays safe and live over ${VARIANTS} variants (start times, ids, jitter)`, () => {
    for (let seed = 1; seed <= VARIANTS; seed++) {
      const o = simulate(bridge(2, seed), ours);
      if (o.violation !== null || o.livenessFailure !== null) expect.fail(show(simulate(bridge(2, seed), ours, true)));
    }
  });

  it("the old agent bootstraps both A and C: two etcd clusters", () => {
    const o = simulate(bridge(), baseline, true);
    expect(o.splitBrain, show(o)).toBe(true);
  });

  it("the checker catches our core's split brain when the quorum is not a majority (1 of 3)", () => {
    expect(simulate(islands(1), ours).splitBrain).toBe(true);
  });

  it("with a majority quorum, isolated nodes never bootstrap at all", () => {
    const o = simulate(islands(2), ours);
    expect(o.violation).toBeNull();
    expect(o.livenessFailure).toBe("0 bootstraps");
  });
});

describe("multi-homed tie: equal boot times, B also answers below A's address", () => {
  it("bootstraps exactly once and every agent exits 0 (nobody defers to a deferring peer)", () => {
    const o = simulate(multiHomedTie(), ours, true);
    expect(o.violation, show(o)).toBeNull();
    expect(o.livenessFailure, show(o)).toBeNull();
  });

  it("still converges when A cannot reach B's lower address (both think they lead)", () => {
    const o = simulate(multiHomedTie(true), ours, true);
    expect(o.violation, show(o)).toBeNull();
    expect(o.livenessFailure, show(o)).toBeNull();
  });
});

describe("init node: Talos bootstraps it by itself (the shell's init-node rule, core/init-node.ts)", () => {
  it("every agent stands down: one etcd cluster, the init node's, and no Bootstrap call", () => {
    const o = simulate(initNode(), ours, true);
    expect(o.violation, show(o)).toBeNull();
    expect(o.livenessFailure, show(o)).toBeNull();
    expect(o.coverage.get("agent stands down beside an init node"), show(o)).toBe(3);
    expect(o.trace?.some((l) => l.includes("Bootstrap →")), show(o)).toBe(false);
  });
});
