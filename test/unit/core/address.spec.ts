import { describe, expect, it } from "vitest";
import { AddressError, canonicalAddress, compareAddresses, lowestAddress } from "../../../src/core/address.js";
import { candidates as rank } from "../../../src/core/candidates.js";
import { survey } from "../../../src/core/survey.js";
import type { Ballot, View } from "../../../src/core/types.js";
import { ballot, peer, view } from "./fixtures.js";

describe("canonicalAddress()", () => {
  it("writes IPv6 compressed and lower-case", () => {
    expect(canonicalAddress("2001:DB8:0:0:0:0:0:1")).toBe("2001:db8::1");
    expect(canonicalAddress("2001:db8:0:0:1:0:0:0")).toBe("2001:db8:0:0:1::");
  });

  it("turns IPv4-mapped IPv6 into IPv4", () => {
    expect(canonicalAddress("::ffff:10.0.0.1")).toBe("10.0.0.1");
    expect(canonicalAddress("::FFFF:0a00:0001")).toBe("10.0.0.1");
  });

  it("rejects prefixes, zones and leading zeros", () => {
    expect(() => canonicalAddress("10.0.0.1/24")).toThrow(AddressError);
    expect(() => canonicalAddress("fe80::1%eth0")).toThrow(/zone/);
    expect(() => canonicalAddress("010.0.0.1")).toThrow(AddressError);
  });
});

describe("compareAddresses()", () => {
  it("orders numerically, not as strings", () => {
    expect(compareAddresses("10.0.0.9", "10.0.0.10")).toBeLessThan(0);
    expect(["10.0.0.10", "10.0.0.9", "9.0.0.1"].sort(compareAddresses)).toEqual(["9.0.0.1", "10.0.0.9", "10.0.0.10"]);
    expect(compareAddresses("fd00::a", "fd00::9")).toBeGreaterThan(0);
  });

  it("puts IPv4 before IPv6", () => {
    expect(compareAddresses("255.255.255.255", "::1")).toBeLessThan(0);
  });

  // ::ffff:a.b.c.d is reached over IPv4: it is that IPv4 peer, so it must sit
  // among the IPv4 addresses at a.b.c.d's place, not after them as an IPv6.
  it("compares an IPv4-mapped address as the IPv4 address it is", () => {
    expect(compareAddresses("::ffff:10.0.0.1", "10.0.0.1")).toBe(0);
    expect(compareAddresses("::ffff:10.0.0.2", "10.0.0.10")).toBeLessThan(0);
    expect(["fd00::1", "10.0.0.2", "::ffff:10.0.0.1"].sort(compareAddresses)).toEqual(["::ffff:10.0.0.1", "10.0.0.2", "fd00::1"]);
  });

  it("throws on text that is not an address", () => {
    expect(() => compareAddresses("10.0.0.1", "node-a")).toThrow(AddressError);
  });
});

describe("lowestAddress()", () => {
  it("picks the numerically lowest, IPv4 first, or null for none", () => {
    expect(lowestAddress(["fd00::1", "10.0.0.10", "10.0.0.9"])).toBe("10.0.0.9");
    expect(lowestAddress([])).toBeNull();
  });
});

const candidates = (v: View, own: Ballot) => rank(v, own, survey(v, own, { quorum: 2, controlPlanes: null }).acceptors);

describe("ranking by address", () => {
  it("ranks a peer at its IPv4-mapped address like the same peer at its IPv4 address", () => {
    // Equal boot times: only the address decides. Self 10.0.0.5 must lose to a
    // peer at ::ffff:10.0.0.4 exactly as it loses to 10.0.0.4.
    const mapped = candidates(view(0, "10.0.0.5", 100, [peer("::ffff:10.0.0.4", 100, ballot(2))]), ballot(1));
    const plain = candidates(view(0, "10.0.0.5", 100, [peer("10.0.0.4", 100, ballot(2))]), ballot(1));
    expect(mapped.map((c) => c.self)).toEqual([false, true]);
    expect(plain.map((c) => c.self)).toEqual([false, true]);
  });
});
