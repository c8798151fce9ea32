// Addresses as numbers (BigInt), never as strings: "10.0.0.9" sorts before
// "10.0.0.10" only numerically, and one address has many spellings
// ("::ffff:10.0.0.1", "2001:DB8::1"). Everything that reads, prints or
// compares an address goes through here: the scan, our own address, the
// ranking of candidates.
import { Address4, Address6 } from "ip-address";

export type Family = 4 | 6;

/** An address as a number; value < 2^32 for IPv4, < 2^128 for IPv6. */
export interface IpAddress {
  readonly family: Family;
  readonly value: bigint;
}

/** AddressError: text that is not one plain IP address, named in the message. */
export class AddressError extends Error {
  override readonly name = "AddressError";
}

const MAPPED_PREFIX = 0xffffn << 32n; // ::ffff:0:0/96

/**
 * parseAddress reads one plain address (no prefix length, no zone). An
 * IPv4-mapped IPv6 address is the IPv4 address: the kernel reaches
 * ::ffff:a.b.c.d over IPv4, so it is the same peer, and it must rank and
 * compare as that peer does.
 */
export function parseAddress(text: string): IpAddress {
  const s = text.trim();
  if (s.includes("/")) throw new AddressError(`invalid address "${s}": a prefix length is not allowed here`);
  if (s.includes("%")) throw new AddressError(`invalid address "${s}": zone indexes are not supported`);
  if (Address4.isValid(s)) return { family: 4, value: new Address4(s).bigInt() };
  if (Address6.isValid(s)) {
    const value = new Address6(s).bigInt();
    if (value >> 32n === 0xffffn) return { family: 4, value: value - MAPPED_PREFIX };
    return { family: 6, value };
  }
  throw new AddressError(`invalid address "${s}"`);
}

/** formatAddress prints dotted-quad IPv4, or RFC 5952 (compressed, lower-case) IPv6. */
export function formatAddress(a: IpAddress): string {
  if (a.family === 6) return Address6.fromBigInt(a.value).correctForm();
  // Number arithmetic: this runs once per probed address.
  const n = Number(a.value);
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** canonicalAddress gives one textual form per address, so addresses compare with ===. */
export const canonicalAddress = (text: string): string => formatAddress(parseAddress(text));

/** addressKey is a Set/Map key that cannot confuse IPv4 and IPv6 values. */
export const addressKey = (a: IpAddress): string => `${a.family}:${a.value.toString(16)}`;

/** compareIp orders IPv4 before IPv6, then by numeric value. */
export function compareIp(a: IpAddress, b: IpAddress): number {
  if (a.family !== b.family) return a.family - b.family;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

/** compareAddresses is compareIp over text: "::ffff:10.0.0.1" equals "10.0.0.1". */
export function compareAddresses(a: string, b: string): number {
  return compareIp(parseAddress(a), parseAddress(b));
}

/** lowestAddress is the first of these under compareAddresses, or null for none. */
export function lowestAddress(addresses: readonly string[]): string | null {
  let best: string | null = null;
  for (const a of addresses) if (best === null || compareAddresses(a, best) < 0) best = a;
  return best;
}
