// Addresses compare as numbers, never as strings: "10.0.0.9" < "10.0.0.10".
import { Address4, Address6 } from "ip-address";

function key(address: string): [number, bigint] {
  if (Address4.isValid(address)) return [4, new Address4(address).bigInt()];
  if (Address6.isValid(address)) return [6, new Address6(address).bigInt()];
  throw new Error(`not an IP address: ${address}`);
}

/** compareAddresses orders IPv4 before IPv6, then by numeric value. */
export function compareAddresses(a: string, b: string): number {
  const [fa, na] = key(a);
  const [fb, nb] = key(b);
  if (fa !== fb) return fa - fb;
  return na < nb ? -1 : na > nb ? 1 : 0;
}
