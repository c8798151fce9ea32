// Where a pass looks for the other control planes, and how what it finds is
// counted. Three sources, in this order: Talos cluster discovery (the
// Affiliates this node's own apid lists), the static PEERS, and the subnet
// scan. A source only says where to look: every address, whatever its
// source, is verified the same way (mutual TLS with the machine CA, the
// dialed IP in the server's IP SANs), and identity stays the ballot id.
// Pure: agent/peer-finder.ts lists, probes and scans; this decides.
import type { PeerDiscoveryMode } from "../config/env.js";
import { compareAddresses } from "../core/address.js";
import type { ControlPlanePeer } from "./affiliates.js";

export type PeerSource = "discovery" | "peers" | "scan";
export type SourceCounts = Readonly<Record<PeerSource, number>>;

/** What Talos discovery said this pass, for the log and for the join watch. */
export type DiscoveryState =
  /** PEER_DISCOVERY=scan-only: Affiliates are not read. */
  | { readonly kind: "not-used" }
  /** Our own affiliate is listed: Talos discovery runs; `listed` control planes other than us. */
  | { readonly kind: "on"; readonly listed: number }
  /** List answered, without our own affiliate: discovery is disabled in the machine config. */
  | { readonly kind: "off" }
  | { readonly kind: "failed"; readonly reason: string };

/** One control plane Talos discovery lists, with what earlier passes learnt of it. */
export interface DiscoveredNode {
  readonly nodeId: string;
  /** Canonical, as listed. */
  readonly addresses: readonly string[];
  /** The lowest listed address that answered as a control plane of our cluster, or null. */
  readonly verified: string | null;
  /** Every listed address has been probed since the listing last changed. */
  readonly tried: boolean;
}

export type DiscoveredNodes = ReadonlyMap<string, DiscoveredNode>;

export interface ProbeTarget {
  readonly address: string;
  readonly source: PeerSource;
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** mergeListing: the nodes listed now (others are forgotten), keeping what was learnt of each. */
export function mergeListing(prev: DiscoveredNodes, listed: readonly ControlPlanePeer[]): DiscoveredNodes {
  const next = new Map<string, DiscoveredNode>();
  for (const p of listed) {
    const old = prev.get(p.nodeId);
    const same = old !== undefined && sameList(old.addresses, p.addresses);
    const verified = old?.verified != null && p.addresses.includes(old.verified) ? old.verified : null;
    next.set(p.nodeId, { nodeId: p.nodeId, addresses: p.addresses, verified, tried: same && old.tried });
  }
  return next;
}

/**
 * probeTargets lists what a pass probes, each address once under the first
 * source that names it: discovered nodes (on a full pass every address; else
 * the verified one, or every address of a node never tried — a node tried
 * in vain is retried by the join watch between passes, so a dead address
 * never holds up a pass), then PEERS on a full pass or, otherwise, the
 * control planes that PEERS and the scan found at the last full pass.
 */
export function probeTargets(
  nodes: DiscoveredNodes,
  o: { readonly full: boolean; readonly peers: readonly string[]; readonly known: readonly ProbeTarget[]; readonly local: readonly string[] },
): ProbeTarget[] {
  const out: ProbeTarget[] = [];
  const seen = new Set(o.local);
  const add = (address: string, source: PeerSource) => {
    if (seen.has(address)) return;
    seen.add(address);
    out.push({ address, source });
  };
  for (const n of nodes.values()) {
    if (o.full || (n.verified === null && !n.tried)) for (const a of n.addresses) add(a, "discovery");
    else if (n.verified !== null) add(n.verified, "discovery");
  }
  if (o.full) for (const a of o.peers) add(a, "peers");
  else for (const k of o.known) add(k.address, k.source);
  return out;
}

/**
 * afterProbes records, for each node whose addresses were probed, its
 * verified address: the lowest one that answered as a control plane of our
 * cluster (peers rank a node by its lowest address, as it ranks itself). A
 * verified address that stops answering is dropped, and the node is tried
 * on every address again.
 */
export function afterProbes(nodes: DiscoveredNodes, probed: ReadonlySet<string>, controlPlanes: ReadonlySet<string>): DiscoveredNodes {
  const next = new Map<string, DiscoveredNode>();
  for (const n of nodes.values()) {
    const looked = n.addresses.filter((a) => probed.has(a));
    if (looked.length === 0) {
      next.set(n.nodeId, n);
      continue;
    }
    const answered = looked.filter((a) => controlPlanes.has(a)).sort(compareAddresses);
    if (looked.length === n.addresses.length) {
      next.set(n.nodeId, { ...n, verified: answered[0] ?? null, tried: true });
    } else {
      // Only some were probed: keep the best known unless it just failed.
      const keep = n.verified !== null && (!probed.has(n.verified) || controlPlanes.has(n.verified)) ? n.verified : null;
      const best = [...answered, ...(keep === null ? [] : [keep])].sort(compareAddresses)[0] ?? null;
      next.set(n.nodeId, { ...n, verified: best, tried: best === null ? false : n.tried });
    }
  }
  return next;
}

export interface Tally {
  /** The addresses whose etcd and ballot a pass reads: one per discovered node, plus each other control plane found. */
  readonly read: readonly string[];
  /** Control planes per source, a node once under the first source that found it; this node not included. */
  readonly counts: SourceCounts;
}

/**
 * tally: a discovered node counts once, at its verified address; a control
 * plane found through PEERS or the scan counts once per address, unless
 * discovery lists that address for a node (then it is that node).
 */
export function tally(nodes: DiscoveredNodes, found: readonly { readonly address: string; readonly source: PeerSource }[]): Tally {
  const listed = new Set<string>();
  const read: string[] = [];
  let discovery = 0;
  for (const n of nodes.values()) {
    for (const a of n.addresses) listed.add(a);
    if (n.verified !== null) {
      discovery++;
      read.push(n.verified);
    }
  }
  const counts = { discovery, peers: 0, scan: 0 };
  const seen = new Set<string>();
  for (const f of found) {
    // Discovery's own finds are its nodes, counted above.
    if (f.source === "discovery" || listed.has(f.address) || seen.has(f.address)) continue;
    seen.add(f.address);
    read.push(f.address);
    counts[f.source]++;
  }
  return { read: read.sort(compareAddresses), counts };
}

/**
 * needsScan: scan-only scans at every full pass, as before discovery; auto
 * only when discovery and PEERS show fewer control planes than the quorum
 * (this node included); no-scan never.
 */
export function needsScan(mode: PeerDiscoveryMode, full: boolean, inView: number, quorum: number): boolean {
  if (!full) return false;
  switch (mode) {
    case "scan-only":
      return true;
    case "auto":
      return inView < quorum;
    case "no-scan":
      return false;
    default: {
      const unreachable: never = mode;
      throw new Error(`unknown peer discovery mode ${String(unreachable)}`);
    }
  }
}

/** discoveryState: "on" exactly when our own affiliate is listed (Talos lists itself whenever discovery runs). */
export function discoveryState(listedIds: readonly string[], selfNodeId: string, controlPlanes: number): DiscoveryState {
  return listedIds.includes(selfNodeId) ? { kind: "on", listed: controlPlanes } : { kind: "off" };
}
