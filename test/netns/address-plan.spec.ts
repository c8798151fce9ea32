// The hard rule, checked without root: every address a scan of the plan's
// prefixes can reach is held by exactly one of our hosts.
import { describe, expect, it } from "vitest";
import { planAddresses, type NetworkSpec } from "../helpers/address-plan.js";
import { scannable } from "./scannable.js";

const SPECS: Record<string, NetworkSpec> = {
  "IPv4 /28, two nodes": { hosts: [{ name: "a" }, { name: "b" }] },
  "IPv4 /28, three nodes and spares split": {
    hosts: [{ name: "a" }, { name: "b" }, { name: "c" }, { name: "w", role: "refusing", addresses: 2 }],
    droppingSpares: 4,
  },
  "IPv6 /124": { family: "ipv6", hosts: [{ name: "a" }, { name: "b" }], droppingSpares: 1 },
  "dual stack": { family: "dual", hosts: [{ name: "a" }, { name: "b" }, { name: "c" }], droppingSpares: 2 },
  "p2p /31 and /127": { family: "dual", topology: "p2p", hosts: [{ name: "a" }, { name: "b" }] },
  "single /32": { topology: "single", hosts: [{ name: "a" }] },
  "single /128": { family: "ipv6", topology: "single", hosts: [{ name: "a" }] },
  "dual stack as /32 and /128 host addresses": { family: "dual", hosts: [{ name: "a" }, { name: "b" }], droppingSpares: 2, hostAddresses: true },
  "routed, two segments": { topology: "routed", hosts: [{ name: "a" }, { name: "b" }, { name: "c", segment: 1 }] },
};

describe("planAddresses()", () => {
  for (const [what, spec] of Object.entries(SPECS)) {
    it(`${what}: every scannable address belongs to exactly one host`, () => {
      for (const seed of [0, 1, 0x7fffffff, 123456789]) {
        const plan = planAddresses(spec, seed);
        const held = plan.hosts.flatMap((h) => h.addresses.map((a) => a.address));
        expect(new Set(held).size).toBe(held.length);
        expect(held.sort()).toEqual(plan.prefixes.flatMap(scannable).sort());
      }
    });
  }

  it("puts spares in filler (refusing) and dropper (dropping)", () => {
    const plan = planAddresses({ hosts: [{ name: "a" }], droppingSpares: 3 }, 7);
    expect(plan.hosts.map((h) => [h.name, h.role, h.addresses.length])).toEqual([
      ["a", "node", 1],
      ["dropper", "dropping", 3],
      ["filler", "refusing", 10],
    ]);
  });

  it("gives the IPv6 subnet-router anycast address (::0, never scanned) to the refusing filler, not to a node", () => {
    const plan = planAddresses({ family: "ipv6", hosts: [{ name: "a" }, { name: "b" }], droppingSpares: 1 }, 5);
    const zero = plan.prefixes[0]!.replace(/\/\d+$/, "");
    expect(plan.hosts.find((h) => h.addresses.some((a) => a.address === zero))?.name).toBe("filler");
  });

  it("hostAddresses: every address is a /32 or /128, and the prefixes are routed on-link", () => {
    const plan = planAddresses({ family: "dual", hosts: [{ name: "a" }], hostAddresses: true }, 3);
    expect(new Set(plan.hosts.flatMap((h) => h.addresses.map((a) => a.prefixLength)))).toEqual(new Set([32, 128]));
    expect(plan.onLinkRoutes).toEqual(plan.prefixes);
    expect(() => planAddresses({ topology: "p2p", hosts: [{ name: "a" }, { name: "b" }], hostAddresses: true }, 1)).toThrow(/bridge/);
  });

  it("keeps the prefixes inside 10.250.0.0/16 and a ULA", () => {
    const plan = planAddresses({ family: "dual", hosts: [{ name: "a" }] }, 99);
    expect(plan.prefixes[0]).toMatch(/^10\.250\.\d+\.\d+\/28$/);
    expect(plan.prefixes[1]).toMatch(/^fd61:6274:[0-9a-f]+:[0-9a-f]+::\/124$/);
  });

  it("routed: two adjacent /28s; each host routes the other one through the router's address on its own segment", () => {
    const plan = planAddresses({ topology: "routed", hosts: [{ name: "a" }, { name: "c", segment: 1 }] }, 11);
    const [p0, p1] = plan.prefixes;
    const router = plan.hosts.find((h) => h.name === "router")!;
    const gw = (seg: number) => router.addresses.find((a) => a.segment === seg)!.address;
    expect(plan.routes).toEqual([
      { host: "a", prefix: p1, via: gw(0) },
      { host: "c", prefix: p0, via: gw(1) },
    ]);
    expect(plan.hosts.find((h) => h.name === "c")!.addresses).toEqual([expect.objectContaining({ segment: 1, prefixLength: 28 })]);
    expect(() => planAddresses({ topology: "routed", family: "dual", hosts: [{ name: "a" }] }, 1)).toThrow(/IPv4/);
    expect(() => planAddresses({ hosts: [{ name: "a", segment: 1 }] }, 1)).toThrow(/routed/);
  });

  it("refuses hosts that do not fit, reserved names and wrong host counts", () => {
    expect(() => planAddresses({ hosts: [{ name: "a", addresses: 15 }] }, 1)).toThrow(/no room/);
    expect(() => planAddresses({ hosts: [{ name: "filler" }] }, 1)).toThrow(/reserved/);
    expect(() => planAddresses({ topology: "p2p", hosts: [{ name: "a" }] }, 1)).toThrow(/exactly 2/);
    expect(() => planAddresses({ hosts: [{ name: "A_b" }] }, 1)).toThrow(/host name/);
  });
});
