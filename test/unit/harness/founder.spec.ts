// The founder check the agent scenarios use: it must reject a founder that
// saw a better candidate, or too few, or never proposed, and accept one that
// was the best in its view even when it is not the oldest of all.
import { describe, expect, it } from "vitest";
import type { LogRecord } from "../../helpers/agent-log.js";
import { better, founderProblems, proposalsOf, type NodeTruth } from "../../helpers/founder.js";

const election = (...addresses: string[]): LogRecord => ({ msg: "election", candidates: addresses.map((address) => ({ address, id: "x" })) });
const prepare = (round: number, id = "me"): LogRecord => ({ msg: "consent", proposal: { phase: "prepare", number: { round, id } } });
const accept = (round: number, id = "me"): LogRecord => ({ msg: "consent", proposal: { phase: "accept", number: { round, id } } });
const node = (name: string, host: number, bootTime: number, records: LogRecord[] = [], over: Partial<NodeTruth> = {}): NodeTruth => ({
  name,
  addresses: [`10.0.0.${host}`],
  bootTime: BigInt(bootTime),
  controlPlane: true,
  ours: true,
  records,
  ...over,
});

describe("proposalsOf()", () => {
  it("pairs each new prepare with the candidates of the pass that published it", () => {
    const records = [election("10.0.0.1"), election("10.0.0.1", "10.0.0.2"), prepare(1), prepare(1), accept(1), election("10.0.0.1", "10.0.0.3"), prepare(3)];
    expect(proposalsOf(records)).toEqual([
      { round: 1, candidates: ["10.0.0.1", "10.0.0.2"] },
      { round: 3, candidates: ["10.0.0.1", "10.0.0.3"] },
    ]);
  });
});

describe("better()", () => {
  it("prefers the older boot, then the lower address as a number", () => {
    expect(better({ bootTime: 1n, address: "10.0.0.9" }, { bootTime: 2n, address: "10.0.0.1" })).toBe(true);
    expect(better({ bootTime: 1n, address: "10.0.0.9" }, { bootTime: 1n, address: "10.0.0.10" })).toBe(true);
    expect(better({ bootTime: 1n, address: "10.0.0.10" }, { bootTime: 1n, address: "10.0.0.9" })).toBe(false);
  });
});

describe("founderProblems()", () => {
  // a is the oldest of all; c founds having seen only b and itself: that is allowed.
  const world = (cRecords: LogRecord[]) => [node("a", 1, 0), node("b", 2, 20), node("c", 3, 10, cRecords)];

  it("accepts the best candidate in its own view, though not the oldest of all", () => {
    expect(founderProblems(world([election("10.0.0.2", "10.0.0.3"), prepare(1)]), "c", 2)).toEqual([]);
  });

  it("rejects a founder that had a better candidate in view", () => {
    expect(founderProblems(world([election("10.0.0.1", "10.0.0.3"), prepare(1)]), "c", 2)).toEqual([
      expect.stringContaining("a (boot 0, 10.0.0.1) was a better candidate"),
    ]);
  });

  it("rejects a proposal from fewer candidates than the quorum, and a founder that never proposed", () => {
    expect(founderProblems(world([election("10.0.0.3"), prepare(1)]), "c", 2)).toEqual([expect.stringContaining("1 candidates in view, quorum is 2")]);
    expect(founderProblems(world([election("10.0.0.2", "10.0.0.3")]), "c", 2)).toEqual([expect.stringContaining("never proposed")]);
  });

  it("rejects a worker or another cluster's node as founder or as candidate", () => {
    const nodes = [node("w", 1, 0, [], { controlPlane: false }), node("x", 4, 0, [], { ours: false }), node("c", 3, 10, [election("10.0.0.3", "10.0.0.4"), prepare(1)])];
    expect(founderProblems(nodes, "w", 2)).toEqual([expect.stringContaining("not a control plane")]);
    expect(founderProblems(nodes, "c", 2)).toEqual([expect.stringContaining("candidate x is not a control plane of this cluster")]);
  });
});
