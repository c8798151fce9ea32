import { describe, expect, it } from "vitest";
import { whenAborted } from "../../../src/talos/abort.js";
import { createByteBudget, MAX_IN_FLIGHT_BYTES } from "../../../src/talos/budget.js";
import { ADMIN_WINDOW_BYTES, createMeter, MAX_MESSAGE_BYTES, MAX_READ_BYTES, maxMessageBytes, windowBytes } from "../../../src/talos/limits.js";

describe("createByteBudget()", () => {
  it("lends up to its limit and takes back what it lent", () => {
    const b = createByteBudget(100);
    expect([b.take(60), b.take(41), b.take(40), b.used]).toEqual([true, false, true, 100]);
    b.give(60);
    expect([b.used, b.take(60)]).toEqual([40, true]);
    expect(() => b.give(1_000)).toThrow(/more than it lent/);
  });
});

describe("createMeter()", () => {
  it("refuses the first message past a call's count or bytes, counting nothing for it", () => {
    const budget = createByteBudget(1_000);
    const m = createMeter({ maxMessages: 3, maxBytes: 100 }, budget);
    expect([m.count(10), m.count(0), m.count(91)]).toEqual([undefined, undefined, "replies larger than 100 bytes"]);
    expect(m.count(10)).toBeUndefined();
    expect(m.count(0)).toBe("more than 3 reply messages");
    expect(budget.used).toBe(20);
    m.release();
    m.release();
    expect(budget.used).toBe(0);
  });

  it("shares one budget between calls: what all peers send at once is bounded too", () => {
    const budget = createByteBudget(100);
    const a = createMeter({ maxMessages: 10, maxBytes: 80 }, budget);
    const b = createMeter({ maxMessages: 10, maxBytes: 80 }, budget);
    expect([a.count(80), b.count(30)]).toEqual([undefined, "peers' replies in flight would pass 100 bytes"]);
    a.release();
    expect(b.count(30)).toBeUndefined();
    expect(MAX_IN_FLIGHT_BYTES).toBe(16 * 1024 * 1024);
  });
});

describe("maxMessageBytes() and windowBytes()", () => {
  it("cap admin channels (Read, Bootstrap, EtcdRecover) at the largest file we read", () => {
    expect(maxMessageBytes("os:admin")).toBe(MAX_READ_BYTES);
    expect(maxMessageBytes("os:reader")).toBe(MAX_MESSAGE_BYTES);
    expect([windowBytes("os:admin"), windowBytes("os:reader")]).toEqual([ADMIN_WINDOW_BYTES, undefined]);
  });
});

describe("whenAborted()", () => {
  it("runs every callback once, with one listener per signal, and forgets cancelled ones", () => {
    const c = new AbortController();
    const ran: number[] = [];
    const cancels = Array.from({ length: 50 }, (_, i) => whenAborted(c.signal, () => ran.push(i)));
    for (const cancel of cancels.slice(0, 48)) cancel();
    const fn = () => ran.push(99);
    whenAborted(c.signal, fn);
    whenAborted(c.signal, fn);
    c.abort();
    c.abort();
    expect(ran).toEqual([48, 49, 99, 99]);
  });
});
