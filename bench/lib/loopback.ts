// Guards for loopback runs: a prefix of 127/8 is scanned only when nothing but
// our own fakes listens on apid's port inside it (other suites run their fake
// apids on 127.x addresses of the same machine at the same time).
import { readFileSync } from "node:fs";
import { parseAddress } from "../../src/core/address.js";
import { parsePrefix, contains } from "../../src/discovery/prefixes.js";

const APID_PORT = 50000;
const LISTEN = "0A";

/** Local addresses with a TCP socket listening on port 50000 in this network namespace. */
export function apidListeners(): string[] {
  const out: string[] = [];
  for (const [file, v6] of [["/proc/net/tcp", false], ["/proc/net/tcp6", true]] as const) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      const [hex, portHex] = (f[1] ?? "").split(":");
      if (f[3] !== LISTEN || hex === undefined || parseInt(portHex ?? "", 16) !== APID_PORT) continue;
      out.push(v6 ? v6Address(hex) : v4Address(hex));
    }
  }
  return out;
}

function v4Address(hex: string): string {
  const n = parseInt(hex, 16); // little-endian in /proc
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join(".");
}

function v6Address(hex: string): string {
  const words: string[] = [];
  for (let i = 0; i < 32; i += 8) {
    const w = hex.slice(i, i + 8);
    words.push(w.slice(6, 8) + w.slice(4, 6), w.slice(2, 4) + w.slice(0, 2));
  }
  return words.join(":");
}

/**
 * assertQuiet throws unless every address of cidr refuses on port 50000,
 * apart from `ours`: no listener inside it and no wildcard listener.
 */
export function assertQuiet(cidr: string, ours: readonly string[] = []): void {
  const p = parsePrefix(cidr);
  const foreign = apidListeners().filter((a) => {
    if (ours.includes(a)) return false;
    if (a === "0.0.0.0" || /^0000:0000:0000:0000:0000:0000:0000:0000$/.test(a)) return true;
    if (a.includes(":")) return false; // a specific IPv6 address never answers for 127/8
    return contains(p, parseAddress(a));
  });
  if (foreign.length > 0) throw new Error(`${cidr} is not ours: something else listens on port ${APID_PORT} at ${foreign.join(", ")}`);
}
