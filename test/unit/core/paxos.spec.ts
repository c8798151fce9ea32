import { describe, expect, it } from "vitest";
import { acceptRequests, chosen, progress } from "../../../src/core/paxos.js";
import type { Proposal } from "../../../src/core/types.js";
import { ballot, nominee, num } from "./fixtures.js";

const prepare = (round: number, who: number): Proposal => ({ phase: "prepare", number: num(round, who) });
const accept = (round: number, who: number, nom: number): Proposal => ({ phase: "accept", number: num(round, who), nominee: nominee(nom) });

describe("acceptRequests()", () => {
  it("promises a prepare above its promise and ignores one below", () => {
    const b = acceptRequests(ballot(1, { promised: num(2, 5) }), [prepare(3, 4)]);
    expect(b.promised).toEqual(num(3, 4));
    expect(acceptRequests(b, [prepare(2, 9)]).promised).toEqual(num(3, 4));
  });

  it("orders equal rounds by proposer id", () => {
    expect(acceptRequests(ballot(1), [prepare(3, 9), prepare(3, 4)]).promised).toEqual(num(3, 9));
  });

  it("accepts an accept at or above its promise, and rejects one below", () => {
    const at = acceptRequests(ballot(1, { promised: num(3, 4) }), [accept(3, 4, 7)]);
    expect(at.accepted).toEqual({ number: num(3, 4), nominee: nominee(7) });
    const above = acceptRequests(ballot(1, { promised: num(3, 4) }), [accept(5, 2, 8)]);
    expect(above.promised).toEqual(num(5, 2));
    expect(above.accepted?.number).toEqual(num(5, 2));
    const below = acceptRequests(ballot(1, { promised: num(3, 4) }), [accept(2, 9, 7)]);
    expect(below.accepted).toBeNull();
  });

  it("answers requests lowest first, so a later prepare does not block an earlier accept", () => {
    const b = acceptRequests(ballot(1), [prepare(4, 2), accept(3, 3, 3)]);
    expect(b.accepted?.number).toEqual(num(3, 3));
    expect(b.promised).toEqual(num(4, 2));
  });

  it("returns the same register when nothing changes (no needless write)", () => {
    const b = ballot(1, { promised: num(3, 4) });
    expect(acceptRequests(b, [prepare(1, 1), accept(2, 2, 2)])).toBe(b);
  });
});

describe("progress()", () => {
  const me = nominee(1);

  it("is preempted as soon as any acceptor promised a higher ballot", () => {
    const p = progress(prepare(3, 1), [ballot(1, { promised: num(3, 1) }), ballot(2, { promised: num(4, 2) })], 2, me);
    expect(p).toEqual({ kind: "preempted", by: num(4, 2) });
  });

  it("waits while fewer than a quorum promised this ballot", () => {
    const p = progress(prepare(3, 1), [ballot(1, { promised: num(3, 1) }), ballot(2, { promised: num(2, 2) }), ballot(3)], 2, me);
    expect(p).toEqual({ kind: "waiting", answered: 1 });
  });

  it("nominates the fallback when no promiser has accepted anything", () => {
    const p = progress(prepare(3, 1), [ballot(1, { promised: num(3, 1) }), ballot(2, { promised: num(3, 1) })], 2, me);
    expect(p).toEqual({ kind: "promised", nominee: me });
  });

  it("nominates the value of the highest accepted proposal among the promisers", () => {
    const acceptors = [
      ballot(1, { promised: num(5, 1), accepted: { number: num(2, 2), nominee: nominee(2) } }),
      ballot(2, { promised: num(5, 1), accepted: { number: num(4, 3), nominee: nominee(3) } }),
      ballot(3, { promised: num(5, 1) }),
    ];
    expect(progress(prepare(5, 1), acceptors, 2, me)).toEqual({ kind: "promised", nominee: nominee(3) });
  });

  it("is chosen when a quorum accepted this very ballot", () => {
    const acc = { number: num(3, 1), nominee: nominee(2) };
    const others = { number: num(2, 1), nominee: nominee(2) };
    const acceptors = [ballot(1, { promised: num(3, 1), accepted: acc }), ballot(2, { promised: num(3, 1), accepted: others })];
    expect(progress(accept(3, 1, 2), acceptors, 2, me)).toEqual({ kind: "waiting", answered: 1 });
    acceptors.push(ballot(3, { promised: num(3, 1), accepted: acc }));
    expect(progress(accept(3, 1, 2), acceptors, 2, me)).toEqual({ kind: "chosen", nominee: nominee(2) });
  });
});

describe("chosen()", () => {
  const acc = (round: number, who: number, nom: number) => ({ number: num(round, who), nominee: nominee(nom) });

  it("needs a quorum that accepted in ONE ballot number", () => {
    const split = [ballot(1, { accepted: acc(3, 1, 7) }), ballot(2, { accepted: acc(4, 2, 7) }), ballot(3)];
    expect(chosen(split, 2)).toBeNull();
    expect(chosen([...split, ballot(4, { accepted: acc(4, 2, 7) })], 2)).toEqual(nominee(7));
  });

  it("counts acceptances by number AND nominee: one number with two nominees is never one value", () => {
    const a = { number: num(3, 1), nominee: nominee(7) };
    const clone = { number: num(3, 1), nominee: { ...nominee(7), machine: "f".repeat(64) } };
    expect(chosen([ballot(1, { accepted: a }), ballot(2, { accepted: clone })], 2)).toBeNull();
    expect(chosen([ballot(1, { accepted: a }), ballot(2, { accepted: clone }), ballot(3, { accepted: a })], 2)).toEqual(nominee(7));
  });

  it("is null while nothing is accepted", () => {
    expect(chosen([ballot(1), ballot(2)], 1)).toBeNull();
  });
});
