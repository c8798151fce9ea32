import { describe, expect, it } from "vitest";
import { candidates as rank, order, type Candidate } from "../../../src/core/candidates.js";
import { survey } from "../../../src/core/survey.js";
import type { Ballot, View } from "../../../src/core/types.js";
import { ballot, id, OTHER_CLUSTER, peer, SIBLING, view } from "./fixtures.js";

const SETTINGS = { quorum: 2, controlPlanes: null };
const candidates = (v: View, own: Ballot): Candidate[] => rank(v, own, survey(v, own, SETTINGS).acceptors);

const cand = (address: string, bootTime: number): Candidate => ({ id: address, address, bootTime: BigInt(bootTime), ballot: ballot(1), self: false });

describe("order()", () => {
  it("prefers the older boot", () => {
    expect(order(cand("10.0.0.10", 100), cand("10.0.0.9", 200))).toBeLessThan(0);
    expect(order(cand("10.0.0.9", 200), cand("10.0.0.10", 100))).toBeGreaterThan(0);
  });

  it("breaks a boot-time tie by the lower address as a number: 10.0.0.9 before 10.0.0.10", () => {
    expect(order(cand("10.0.0.9", 100), cand("10.0.0.10", 100))).toBeLessThan(0);
    expect(order(cand("10.0.0.10", 100), cand("10.0.0.9", 100))).toBeGreaterThan(0);
  });

  it("puts IPv4 before IPv6 on a tie", () => {
    expect(order(cand("10.0.0.200", 100), cand("fd00::1", 100))).toBeLessThan(0);
  });
});

describe("candidates()", () => {
  it("includes self and sorts best first", () => {
    const v = view(0, "10.0.0.10", 300, [peer("10.0.0.9", 300, ballot(2)), peer("10.0.0.11", 100, ballot(3))]);
    expect(candidates(v, ballot(1)).map((c) => [c.address, c.self])).toEqual([
      ["10.0.0.11", false],
      ["10.0.0.9", false],
      ["10.0.0.10", true],
    ]);
  });

  it("counts a ballot id reached at two addresses once, under the lowest address", () => {
    const b = ballot(2);
    const v = view(0, "10.0.0.1", 100, [peer("10.0.1.7", 200, b), peer("10.0.0.7", 200, b), peer("10.0.0.7", 200, b)]);
    const cs = candidates(v, ballot(1));
    expect(cs).toHaveLength(2);
    expect(cs.find((c) => c.id === id(2))?.address).toBe("10.0.0.7");
  });

  it("ignores ballots of another cluster, however tempting: another CA, or the same CA with another name", () => {
    const foreign = { ...ballot(2, { promised: { round: 99, id: id(1) } }), cluster: OTHER_CLUSTER };
    const sibling = { ...ballot(3), cluster: SIBLING };
    const v = view(0, "10.0.0.1", 100, [peer("10.0.0.2", 1, foreign), peer("10.0.0.3", 1, sibling)]);
    expect(candidates(v, ballot(1)).map((c) => c.id)).toEqual([id(1)]);
  });

  it("reads of our own id at our own other addresses are us, not a candidate", () => {
    const v = view(0, "10.0.0.1", 100, [peer("10.0.1.1", 1, ballot(1))], undefined, { addresses: ["10.0.0.1", "10.0.1.1"] });
    const cs = candidates(v, ballot(1));
    expect(cs).toHaveLength(1);
    expect(cs[0]?.self).toBe(true);
  });

  it("skips peers whose ballot is missing or unreadable: they are not acceptors yet", () => {
    const v = view(0, "10.0.0.1", 100, [
      peer("10.0.0.2", 1, { kind: "missing" }),
      peer("10.0.0.3", 1, { kind: "unreadable", reason: "x" }),
    ]);
    expect(candidates(v, ballot(1))).toHaveLength(1);
  });
});
