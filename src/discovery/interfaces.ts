// This node's own addresses and the prefixes around them: where peers are
// looked for when SCAN_CIDR is not set, and what a scan must never probe.
//
// Down interfaces need no filter here: on Linux, libuv's
// uv_interface_addresses (behind os.networkInterfaces) drops every interface
// without both IFF_UP and IFF_RUNNING (src/unix/linux.c uv__ifaddr_exclude).
// Checked in a network namespace: an admin-down veth and an up veth whose peer
// is down (NO-CARRIER, operstate LOWERLAYERDOWN) were both absent; an up, running
// veth was listed with its IPv4, IPv6 and fe80:: addresses.
import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";
import { formatAddress, parseAddress, type IpAddress } from "../core/address.js";
import { parsePrefix, type Prefix } from "./prefixes.js";

export interface LocalNetwork {
  /** Canonical addresses in the order the system lists them, each once. */
  readonly addresses: readonly string[];
  /** One prefix per address (host bits cleared), unmerged: see selectPrefixes. */
  readonly prefixes: readonly Prefix[];
}

/**
 * localNetwork lists the IPv4 and IPv6 addresses of every interface, except
 * those no peer could reach us on: loopback interfaces and ranges, link-local
 * (169.254/16, fe80::/10: valid on one link only, and apid certificates never
 * carry them), multicast and the unspecified address.
 */
export function localNetwork(ifaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): LocalNetwork {
  const addresses: string[] = [];
  const prefixes: Prefix[] = [];
  for (const infos of Object.values(ifaces)) {
    for (const info of infos ?? []) {
      if (info.internal) continue;
      const a = tryParse(info.address);
      if (a === null || !reachable(a)) continue;
      const text = formatAddress(a);
      if (addresses.includes(text)) continue;
      addresses.push(text);
      // cidr is null only for a netmask that is not contiguous: scan nothing then.
      if (info.cidr !== null) prefixes.push(parsePrefix(info.cidr));
    }
  }
  return { addresses, prefixes };
}

function tryParse(text: string): IpAddress | null {
  try {
    // Zone ids only come with link-local addresses, which are dropped anyway.
    return parseAddress(text.split("%")[0] ?? text);
  } catch {
    return null;
  }
}

/** reachable is false for addresses a peer could not use to reach this node. */
export function reachable(a: IpAddress): boolean {
  if (a.family === 4) {
    const top = Number(a.value >> 24n);
    const second = Number((a.value >> 16n) & 0xffn);
    if (top === 0 || top === 127) return false; // "this network", loopback
    if (top === 169 && second === 254) return false; // link-local
    if (top >= 224 && top <= 239) return false; // multicast
    if (a.value === 0xffffffffn) return false; // limited broadcast
    return true;
  }
  if (a.value === 0n || a.value === 1n) return false; // ::, ::1
  const first16 = Number(a.value >> 112n);
  if ((first16 & 0xffc0) === 0xfe80) return false; // fe80::/10
  if (first16 >> 8 === 0xff) return false; // ff00::/8
  return true;
}
