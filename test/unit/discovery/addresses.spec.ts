import { describe, expect, it } from "vitest";
import { countTargets, selectPrefixes, targets, type TargetPlan } from "../../../src/discovery/addresses.js";
import { formatAddress } from "../../../src/core/address.js";
import { ScanConfigError, formatPrefix, hostRange, parsePrefix, parsePrefixList } from "../../../src/discovery/prefixes.js";

const plan = (prefixes: string, local: string[] = [], peers: string[] = []): TargetPlan => ({
  prefixes: parsePrefixList(prefixes),
  local,
  peers,
});

function take<T>(it: Iterable<T>, n: number): T[] {
  const out: T[] = [];
  if (n <= 0) return out;
  for (const x of it) {
    out.push(x);
    if (out.length === n) break;
  }
  return out;
}

/** all() materialises: only for small plans, and it checks countTargets on the way. */
function all(p: TargetPlan): string[] {
  const list = [...targets(p)];
  expect(countTargets(p)).toBe(BigInt(list.length));
  return list;
}

describe("targets()", () => {
  it("walks a /24 ascending without network and broadcast", () => {
    const list = all(plan("192.168.1.0/24"));
    expect(list).toHaveLength(254);
    expect(list.slice(0, 3)).toEqual(["192.168.1.1", "192.168.1.2", "192.168.1.3"]);
    expect(list.at(-1)).toBe("192.168.1.254");
    expect(list.indexOf("192.168.1.9") + 1).toBe(list.indexOf("192.168.1.10"));
  });

  it("applies the /30, /31 and /32 rules", () => {
    expect(all(plan("10.0.0.8/30"))).toEqual(["10.0.0.9", "10.0.0.10"]);
    expect(all(plan("10.0.0.8/31"))).toEqual(["10.0.0.8", "10.0.0.9"]);
    expect(all(plan("10.0.0.8/32"))).toEqual(["10.0.0.8"]);
  });

  it("applies the IPv6 rules: /120 without the anycast, /127 both, /128 itself", () => {
    const v120 = all(plan("fd00::100/120"));
    expect(v120).toHaveLength(255);
    expect([v120[0], v120.at(-1)]).toEqual(["fd00::101", "fd00::1ff"]);
    expect(all(plan("fd00::2/127"))).toEqual(["fd00::2", "fd00::3"]);
    expect(all(plan("fd00::2/128"))).toEqual(["fd00::2"]);
  });

  it("never yields a local address", () => {
    const list = all(plan("10.0.0.0/29, fd00::/125", ["10.0.0.3", "::ffff:10.0.0.5", "fd00::4", "172.16.0.1"]));
    expect(list).toEqual(["10.0.0.1", "10.0.0.2", "10.0.0.4", "10.0.0.6", "fd00::1", "fd00::2", "fd00::3", "fd00::5", "fd00::6", "fd00::7"]);
  });

  it("yields each address of overlapping prefixes once", () => {
    const list = all(plan("10.0.0.0/28, 10.0.0.4/30, 10.0.0.0/28, 10.0.0.14/31"));
    expect(list).toEqual(Array.from({ length: 14 }, (_, i) => `10.0.0.${i + 1}`));
  });

  it("yields PEERS first, once, and not again inside a prefix", () => {
    const list = all(plan("10.0.0.0/29", ["10.0.0.1"], ["10.0.0.4", "172.16.0.9", "::ffff:10.0.0.4", "10.0.0.1", "10.0.0.0"]));
    // 10.0.0.1 is local; 10.0.0.0 is the network address, so only the peer list reaches it.
    expect(list).toEqual(["10.0.0.4", "172.16.0.9", "10.0.0.0", "10.0.0.2", "10.0.0.3", "10.0.0.5", "10.0.0.6"]);
  });

  it("walks a /8 lazily: memory stays flat and the last addresses are right", () => {
    const p = plan("10.0.0.0/8", ["10.1.2.3"]);
    expect(take(targets(p), 3)).toEqual(["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
    const heapBefore = process.memoryUsage().heapUsed;
    const tail = ["", "", ""];
    let n = 0;
    for (const a of targets(p)) tail[n++ % 3] = a;
    // 16 million strings held at once would take hundreds of MB.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(100 * 1024 * 1024);
    expect(tail.sort()).toEqual(["10.255.255.252", "10.255.255.253", "10.255.255.254"]);
    expect(n).toBe(2 ** 24 - 3);
    expect(countTargets(p)).toBe(BigInt(n));
  });

  it("starts an IPv6 /64 at once and counts it with BigInt", () => {
    const p = plan("2001:db8:0:1::/64, 2001:db8:0:2::/48", ["2001:db8:0:1::2"]);
    expect(take(targets(p), 3)).toEqual(["2001:db8::1", "2001:db8::2", "2001:db8::3"]);
    // The /64 lies inside the /48, so only the /48 is walked.
    expect(countTargets(p)).toBe(2n ** 80n - 1n - 1n);
    const [first, last] = ((r) => [r.first, r.last])(hostRange(parsePrefix("2001:db8:0:1::/64")));
    expect(formatAddress({ family: 6, value: first })).toBe("2001:db8:0:1::1");
    expect(formatAddress({ family: 6, value: last })).toBe("2001:db8:0:1:ffff:ffff:ffff:ffff");
  });
});

describe("countTargets()", () => {
  it("matches the walk for peers, locals and overlaps", () => {
    all(plan("10.0.0.0/30, 10.0.0.0/24, fd00::/126", ["10.0.0.255", "10.0.0.7", "fd00::1"], ["10.0.0.7", "10.0.0.8", "10.0.1.1", "fd00::"]));
    expect(countTargets(plan("", [], []))).toBe(0n);
  });
});

describe("selectPrefixes()", () => {
  const prefixes = (text: string) => parsePrefixList(text);

  it("keeps a /16 and an IPv6 /112 under the default limit", () => {
    const r = selectPrefixes(prefixes("10.1.0.0/16, fd00::/112"), "scan-cidr");
    expect(r.prefixes.map(formatPrefix)).toEqual(["10.1.0.0/16", "fd00::/112"]);
    expect(r.skipped).toEqual([]);
  });

  it("refuses a SCAN_CIDR prefix above the limit, naming it and the limit", () => {
    expect(() => selectPrefixes(prefixes("10.0.0.0/24, 10.0.0.0/15"), "scan-cidr")).toThrow(ScanConfigError);
    expect(() => selectPrefixes(prefixes("10.0.0.0/15"), "scan-cidr")).toThrow(
      /prefix 10\.0\.0\.0\/15 has 131072 addresses, more than the limit of 65536/,
    );
    expect(() => selectPrefixes(prefixes("10.0.0.0/24"), "scan-cidr", 128)).toThrow(/limit of 128/);
  });

  it("skips and reports large interface prefixes and host-only ones", () => {
    const r = selectPrefixes(prefixes("fd00:1::/64, 10.0.0.0/24, 10.0.0.9/32, fd00:2::5/128, 10.0.0.0/25"), "interface");
    expect(r.prefixes.map(formatPrefix)).toEqual(["10.0.0.0/24"]);
    expect(r.skipped).toEqual([
      { prefix: "fd00:1::/64", reason: { kind: "too-large", addresses: 2n ** 64n, limit: 65_536 } },
      { prefix: "10.0.0.9/32", reason: { kind: "host-only" } },
      { prefix: "fd00:2::5/128", reason: { kind: "host-only" } },
    ]);
  });

  it("keeps a /32 given in SCAN_CIDR", () => {
    expect(selectPrefixes(prefixes("10.0.0.9/32"), "scan-cidr").prefixes.map(formatPrefix)).toEqual(["10.0.0.9/32"]);
  });
});
