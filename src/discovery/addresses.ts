// Which addresses a scan probes: the prefixes (from SCAN_CIDR, or else from
// the interfaces) and the static PEERS, each address once, never our own.
// A /16 is 65 536 addresses and a /8 sixteen million, so targets() is a
// generator over BigInt counters: memory does not grow with the prefix.
import { addressKey, formatAddress, parseAddress, type IpAddress } from "../core/address.js";
import { ScanConfigError, blockSize, formatPrefix, hostRange, inHostRange, mergePrefixes, type Prefix } from "./prefixes.js";

/** DEFAULT_MAX_ADDRESSES: a /16 or an IPv6 /112. */
export const DEFAULT_MAX_ADDRESSES = 65_536;

/** Where a prefix came from decides what happens when it cannot be scanned. */
export type PrefixSource = "scan-cidr" | "interface";

export type SkipReason =
  /** More addresses than the limit (an IPv6 /64 from SLAAC, a /8). */
  | { readonly kind: "too-large"; readonly addresses: bigint; readonly limit: number }
  /** A /32 or /128 on an interface holds only this node: nothing to scan. */
  | { readonly kind: "host-only" };

export interface SkippedPrefix {
  readonly prefix: string;
  readonly reason: SkipReason;
}

export interface SelectedPrefixes {
  readonly prefixes: readonly Prefix[];
  /** Interface prefixes left out, for the caller to log. */
  readonly skipped: readonly SkippedPrefix[];
}

/**
 * selectPrefixes applies the size limit and merges overlaps. A SCAN_CIDR
 * prefix above the limit is the user's explicit wish gone wrong: it throws
 * ScanConfigError. An interface prefix above it is common and nobody's
 * mistake (SLAAC /64): it is skipped and reported.
 */
export function selectPrefixes(prefixes: readonly Prefix[], source: PrefixSource, maxAddresses = DEFAULT_MAX_ADDRESSES): SelectedPrefixes {
  if (!Number.isSafeInteger(maxAddresses) || maxAddresses < 1) throw new RangeError(`maxAddresses must be a positive integer, got ${maxAddresses}`);
  const kept: Prefix[] = [];
  const skipped: SkippedPrefix[] = [];
  for (const p of prefixes) {
    const size = blockSize(p);
    const hostOnly = p.length === (p.family === 4 ? 32 : 128);
    if (size > BigInt(maxAddresses)) {
      if (source === "scan-cidr") {
        throw new ScanConfigError(
          `prefix ${formatPrefix(p)} has ${size} addresses, more than the limit of ${maxAddresses} per prefix ` +
            `(TALOS_AUTO_BOOTSTRAP_SCAN_MAX_ADDRESSES); list smaller prefixes or raise the limit`,
        );
      }
      skipped.push({ prefix: formatPrefix(p), reason: { kind: "too-large", addresses: size, limit: maxAddresses } });
    } else if (hostOnly && source === "interface") {
      skipped.push({ prefix: formatPrefix(p), reason: { kind: "host-only" } });
    } else {
      kept.push(p);
    }
  }
  return { prefixes: mergePrefixes(kept), skipped };
}

/** What to probe. Addresses may be in any spelling; they are canonicalised here. */
export interface TargetPlan {
  readonly prefixes: readonly Prefix[];
  /** Static PEERS, probed even when outside every prefix. */
  readonly peers: readonly string[];
  /** This node's addresses: never probed as peers. */
  readonly local: readonly string[];
}

/**
 * targets yields every address to probe, once, in canonical form: first the
 * PEERS (named by the user, so they are answered even if a long scan is cut
 * short), then each prefix in order (IPv4 first, numeric), ascending, under
 * hostRange's rules. Local addresses are never yielded.
 */
export function* targets(plan: TargetPlan): Generator<string, void, undefined> {
  const prefixes = mergePrefixes(plan.prefixes);
  const local = valueSets(plan.local.map(parseAddress));
  const peers = uniquePeers(plan, local);
  const skip = valueSets([...plan.local.map(parseAddress), ...peers]);
  for (const peer of peers) yield formatAddress(peer);
  for (const p of prefixes) {
    const { first, last } = hostRange(p);
    // BigInts are primitives: Set.has compares them by value.
    const skipHere = skip[p.family];
    for (let value = first; value <= last; value++) {
      if (!skipHere.has(value)) yield formatAddress({ family: p.family, value });
    }
  }
}

/** countTargets is the number of addresses targets(plan) yields, computed without walking them. */
export function countTargets(plan: TargetPlan): bigint {
  const prefixes = mergePrefixes(plan.prefixes);
  const peers = uniquePeers(plan, valueSets(plan.local.map(parseAddress)));
  const covered = (a: IpAddress) => prefixes.some((p) => inHostRange(p, a));
  let count = BigInt(peers.length);
  for (const p of prefixes) {
    const { first, last } = hostRange(p);
    count += last - first + 1n;
  }
  // Each local address or peer inside a prefix is not (again) yielded there.
  const removed = new Map<string, IpAddress>();
  for (const a of [...plan.local.map(parseAddress), ...peers]) removed.set(addressKey(a), a);
  for (const a of removed.values()) if (covered(a)) count -= 1n;
  return count;
}

type ValueSets = Record<IpAddress["family"], Set<bigint>>;

function valueSets(addresses: readonly IpAddress[]): ValueSets {
  const sets: ValueSets = { 4: new Set(), 6: new Set() };
  for (const a of addresses) sets[a.family].add(a.value);
  return sets;
}

function uniquePeers(plan: TargetPlan, local: ValueSets): IpAddress[] {
  const seen = new Map<string, IpAddress>();
  for (const s of plan.peers) {
    const a = parseAddress(s);
    if (!local[a.family].has(a.value)) seen.set(addressKey(a), a);
  }
  return [...seen.values()];
}
