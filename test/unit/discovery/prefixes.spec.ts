import { describe, expect, it } from "vitest";
import { formatAddress } from "../../../src/core/address.js";
import {
  ScanConfigError,
  formatPrefix,
  hostRange,
  mergePrefixes,
  parseAddressList,
  parsePrefix,
  parsePrefixList,
} from "../../../src/discovery/prefixes.js";

const range = (text: string) => {
  const p = parsePrefix(text);
  const { first, last } = hostRange(p);
  return [first, last].map((value) => formatAddress({ family: p.family, value }));
};

describe("parseAddressList()", () => {
  it("reads comma-separated addresses, canonical and deduplicated", () => {
    expect(parseAddressList(" 10.0.0.2, ::ffff:10.0.0.2,FD00::1 ,, 10.0.0.1")).toEqual(["10.0.0.2", "fd00::1", "10.0.0.1"]);
    expect(parseAddressList(["10.0.0.1", "10.0.0.3,10.0.0.1"])).toEqual(["10.0.0.1", "10.0.0.3"]);
  });

  it("names the bad entry", () => {
    expect(() => parseAddressList("10.0.0.1, 10.0.0.300")).toThrow(/"10\.0\.0\.300"/);
    expect(() => parseAddressList("10.0.0.300")).toThrow(ScanConfigError);
    expect(() => parseAddressList("10.0.0.1:50000")).toThrow(/"10\.0\.0\.1:50000"/);
    expect(() => parseAddressList("0.0.0.0")).toThrow(/unspecified/);
  });
});

describe("parsePrefix()", () => {
  it("clears host bits", () => {
    expect(formatPrefix(parsePrefix("10.0.0.77/24"))).toBe("10.0.0.0/24");
    expect(formatPrefix(parsePrefix("FD00::1:2/112"))).toBe("fd00::1:0/112");
  });

  it("reads a bare address as a host prefix", () => {
    expect(formatPrefix(parsePrefix("10.0.0.5"))).toBe("10.0.0.5/32");
    expect(formatPrefix(parsePrefix("fd00::5"))).toBe("fd00::5/128");
  });

  it("reads an IPv4-mapped prefix as IPv4", () => {
    expect(formatPrefix(parsePrefix("::ffff:10.1.2.3/120"))).toBe("10.1.2.0/24");
  });

  it("names the entry and the problem", () => {
    expect(() => parsePrefix("10.0.0.0/33")).toThrow(/"10\.0\.0\.0\/33".*0–32/);
    expect(() => parsePrefix("fd00::/129")).toThrow(/0–128/);
    expect(() => parsePrefix("10.0.0.0/")).toThrow(/bad prefix length/);
    expect(() => parsePrefix("10.0.0.0/2a")).toThrow(/bad prefix length/);
    expect(() => parsePrefix("nonsense/24")).toThrow(/"nonsense" is not an IP address/);
  });
});

describe("parsePrefixList()", () => {
  it("reads SCAN_CIDR's comma-separated form", () => {
    expect(parsePrefixList("10.0.0.0/24, fd00::/120").map(formatPrefix)).toEqual(["10.0.0.0/24", "fd00::/120"]);
  });
});

describe("hostRange()", () => {
  it("skips network and broadcast up to /30", () => {
    expect(range("10.0.0.0/24")).toEqual(["10.0.0.1", "10.0.0.254"]);
    expect(range("10.0.0.4/30")).toEqual(["10.0.0.5", "10.0.0.6"]);
  });

  it("keeps both addresses of a /31 and the one of a /32", () => {
    expect(range("10.0.0.4/31")).toEqual(["10.0.0.4", "10.0.0.5"]);
    expect(range("10.0.0.4/32")).toEqual(["10.0.0.4", "10.0.0.4"]);
  });

  it("skips only the subnet-router anycast in IPv6", () => {
    expect(range("::100/120")).toEqual(["::101", "::1ff"]);
    expect(range("::100/127")).toEqual(["::100", "::101"]);
    expect(range("::100/128")).toEqual(["::100", "::100"]);
  });
});

describe("mergePrefixes()", () => {
  it("drops prefixes inside others and sorts IPv4 first, numerically", () => {
    const merged = mergePrefixes(parsePrefixList("fd00::/120, 10.0.0.10/31, 10.0.0.0/24, 9.0.0.0/30, fd00::80/121, 10.0.0.0/24"));
    expect(merged.map(formatPrefix)).toEqual(["9.0.0.0/30", "10.0.0.0/24", "fd00::/120"]);
  });

  it("keeps adjacent prefixes apart", () => {
    expect(mergePrefixes(parsePrefixList("10.0.0.128/25, 10.0.0.0/25")).map(formatPrefix)).toEqual(["10.0.0.0/25", "10.0.0.128/25"]);
  });
});
