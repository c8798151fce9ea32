import type { NetworkInterfaceInfo } from "node:os";
import { describe, expect, it, vi } from "vitest";
import { localNetwork } from "../../../src/discovery/interfaces.js";
import { formatPrefix } from "../../../src/discovery/prefixes.js";

// What os.networkInterfaces() returns in this file: a machine whose interfaces
// the test chooses, so "reads the system's interfaces" can fail.
const system = vi.hoisted(() => ({ ifaces: {} as NodeJS.Dict<NetworkInterfaceInfo[]> }));
vi.mock("node:os", async (importOriginal) => ({ ...(await importOriginal<typeof import("node:os")>()), networkInterfaces: () => system.ifaces }));

function info(cidr: string, internal = false): NetworkInterfaceInfo {
  const [address = "", length = ""] = cidr.split("/");
  const v6 = address.includes(":");
  return v6
    ? { address, netmask: "", family: "IPv6", mac: "00:00:00:00:00:00", internal, cidr, scopeid: 0 }
    : { address, netmask: "", family: "IPv4", mac: "00:00:00:00:00:00", internal, cidr: length === "" ? null : cidr };
}

describe("localNetwork()", () => {
  it("takes IPv4 and IPv6 of every interface, with their prefixes", () => {
    const net = localNetwork({
      eth0: [info("10.0.0.5/24"), info("fd00::5/64")],
      eth1: [info("192.168.7.9/30"), info("2001:DB8::9/120")],
    });
    expect(net.addresses).toEqual(["10.0.0.5", "fd00::5", "192.168.7.9", "2001:db8::9"]);
    expect(net.prefixes.map(formatPrefix)).toEqual(["10.0.0.0/24", "fd00::/64", "192.168.7.8/30", "2001:db8::/120"]);
  });

  it("skips loopback, link-local, multicast and unspecified addresses", () => {
    const net = localNetwork({
      lo: [info("127.0.0.1/8", true), info("::1/128", true), info("10.9.9.9/32", true)],
      eth0: [
        info("127.0.0.2/8"),
        info("169.254.3.4/16"),
        info("fe80::1/64"),
        info("febf::1/64"),
        info("224.0.0.1/4"),
        info("ff02::1/16"),
        info("0.0.0.0/8"),
        info("::/128"),
        info("10.0.0.5/24"),
      ],
    });
    expect(net.addresses).toEqual(["10.0.0.5"]);
    expect(net.prefixes.map(formatPrefix)).toEqual(["10.0.0.0/24"]);
  });

  it("lists an address held by two interfaces once and skips a prefix it cannot read", () => {
    const net = localNetwork({ a: [info("10.0.0.5/24")], b: [info("10.0.0.5/24"), info("10.1.0.1")] });
    expect(net.addresses).toEqual(["10.0.0.5", "10.1.0.1"]);
    expect(net.prefixes.map(formatPrefix)).toEqual(["10.0.0.0/24"]);
  });

  it("reads the system's interfaces (os.networkInterfaces) when given none", () => {
    system.ifaces = { lo: [info("127.0.0.1/8", true)], eth0: [info("10.3.0.7/24"), info("fd03::7/120")], eth1: [info("192.168.9.2/31")] };
    const net = localNetwork();
    expect(net.addresses).toEqual(["10.3.0.7", "fd03::7", "192.168.9.2"]);
    expect(net.prefixes.map(formatPrefix)).toEqual(["10.3.0.0/24", "fd03::/120", "192.168.9.2/31"]);
  });
});
