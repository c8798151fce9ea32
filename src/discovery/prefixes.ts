// Prefixes as numbers (BigInt), parsed once into { family, network, length };
// addresses are read, printed and compared by core/address.ts, the one place
// that does it.
//
// Which addresses of a prefix are probed (hostRange):
//   IPv4 /0–/30  all but the network and broadcast addresses
//   IPv4 /31     both (RFC 3021 point-to-point links have no broadcast)
//   IPv4 /32     the one address
//   IPv6 /0–/126 all but the subnet-router anycast (host bits all zero);
//                IPv6 has no broadcast, so the all-ones host is probed
//   IPv6 /127    both (RFC 6164 point-to-point)
//   IPv6 /128    the one address
import { Address6 } from "ip-address";
import { compareIp, formatAddress, parseAddress, type Family, type IpAddress } from "../core/address.js";

/** A prefix with its host bits cleared. */
export interface Prefix {
  readonly family: Family;
  readonly network: bigint;
  readonly length: number;
}

/** ScanConfigError: a SCAN_CIDR or PEERS entry that cannot be used, named in the message. */
export class ScanConfigError extends Error {
  override readonly name = "ScanConfigError";
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

/**
 * parseAddressList reads PEERS: comma-separated addresses, canonical and
 * deduplicated, in the order given. Throws ScanConfigError naming the bad entry.
 */
export function parseAddressList(input: string | readonly string[]): string[] {
  const seen = new Set<string>();
  for (const entry of entries(input)) {
    let a: IpAddress;
    try {
      a = parseAddress(entry);
    } catch (err) {
      throw new ScanConfigError((err as Error).message);
    }
    // 0.0.0.0 and :: connect to this host on Linux: never a peer.
    if (a.value === 0n) throw new ScanConfigError(`invalid address "${entry}": the unspecified address is not a peer`);
    seen.add(formatAddress(a));
  }
  return [...seen];
}

/** parsePrefix reads "address/length" (a bare address is a host prefix) and clears the host bits. */
export function parsePrefix(text: string): Prefix {
  const s = text.trim();
  const slash = s.indexOf("/");
  const addressText = slash < 0 ? s : s.slice(0, slash);
  const lengthText = slash < 0 ? null : s.slice(slash + 1);
  let a: IpAddress;
  try {
    a = parseAddress(addressText);
  } catch {
    throw new ScanConfigError(`invalid prefix "${s}": "${addressText}" is not an IP address`);
  }
  let length = BITS[a.family];
  if (lengthText !== null) {
    if (!/^\d{1,3}$/.test(lengthText)) throw new ScanConfigError(`invalid prefix "${s}": bad prefix length "${lengthText}"`);
    length = Number(lengthText);
    // A mapped prefix (::ffff:10.0.0.0/120) was read as IPv4: move its length too.
    const mapped = a.family === 4 && Address6.isValid(addressText.trim());
    if (mapped) {
      if (length < 96 || length > 128) throw new ScanConfigError(`invalid prefix "${s}": an IPv4-mapped prefix needs a length of 96–128`);
      length -= 96;
    }
    if (length > BITS[a.family]) throw new ScanConfigError(`invalid prefix "${s}": the length must be 0–${BITS[a.family]} for IPv${a.family}`);
  }
  return { family: a.family, network: a.value & ~hostMask(a.family, length), length };
}

/** parsePrefixList reads SCAN_CIDR: comma-separated prefixes. Throws ScanConfigError naming the bad entry. */
export function parsePrefixList(input: string | readonly string[]): Prefix[] {
  return entries(input).map(parsePrefix);
}

export const formatPrefix = (p: Prefix): string => `${formatAddress({ family: p.family, value: p.network })}/${p.length}`;

/** blockSize is the number of addresses a prefix spans, network and broadcast included. */
export const blockSize = (p: Prefix): bigint => 1n << BigInt(BITS[p.family] - p.length);

/** hostRange is the inclusive range of addresses a scan of p probes (rules at the top of this file). */
export function hostRange(p: Prefix): { readonly first: bigint; readonly last: bigint } {
  const top = p.network + blockSize(p) - 1n;
  const hostBits = BITS[p.family] - p.length;
  if (hostBits <= 1) return { first: p.network, last: top };
  return { first: p.network + 1n, last: p.family === 4 ? top - 1n : top };
}

export const contains = (p: Prefix, a: IpAddress): boolean =>
  p.family === a.family && (a.value & ~hostMask(p.family, p.length)) === p.network;

/** inHostRange tells whether a scan of p probes a. */
export function inHostRange(p: Prefix, a: IpAddress): boolean {
  if (!contains(p, a)) return false;
  const { first, last } = hostRange(p);
  return a.value >= first && a.value <= last;
}

/**
 * mergePrefixes sorts prefixes (IPv4 first, then by network) and drops every
 * prefix inside another, so no address is scanned twice; the outer prefix's
 * rules then apply to the inner addresses. Adjacent prefixes are NOT joined:
 * two /25s skip .127 and .128 as the subnets they are, a /24 would not.
 */
export function mergePrefixes(prefixes: readonly Prefix[]): Prefix[] {
  const sorted = [...prefixes].sort(
    (a, b) => compareIp({ family: a.family, value: a.network }, { family: b.family, value: b.network }) || a.length - b.length,
  );
  const out: Prefix[] = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    // Sorted by network then length: a containing prefix always comes first.
    if (last !== undefined && last.length <= p.length && contains(last, { family: p.family, value: p.network })) continue;
    out.push(p);
  }
  return out;
}

function hostMask(family: Family, length: number): bigint {
  return (1n << BigInt(BITS[family] - length)) - 1n;
}

function entries(input: string | readonly string[]): string[] {
  const list = typeof input === "string" ? input.split(",") : input.flatMap((s) => s.split(","));
  return list.map((s) => s.trim()).filter((s) => s !== "");
}
