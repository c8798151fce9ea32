// Where this node is and where its peers may be, as data: its own address
// (for its own apid) and the addresses a full scan probes — SCAN_CIDR or the
// interfaces' prefixes, plus PEERS, never our own. The shell re-plans at every
// full scan, because interfaces come up and change while a cluster boots; the
// simulator plans each node's network with this same function.
import { canonicalAddress, lowestAddress } from "../core/address.js";
import { countTargets, selectPrefixes, type SkippedPrefix, type TargetPlan } from "../discovery/addresses.js";
import type { LocalNetwork } from "../discovery/interfaces.js";
import { formatPrefix, parseAddressList, parsePrefixList } from "../discovery/prefixes.js";
import type { PeerDiscoveryMode } from "../config/env.js";
import type { Logger } from "../log.js";

/** The part of the configuration that says where to look (Config has it all). */
export interface NetworkSettings {
  readonly scanCidr: readonly string[];
  readonly peers: readonly string[];
  readonly nodeAddress: string | null;
  readonly scanMaxAddresses: number;
}

export interface NetworkPlan {
  /**
   * Our own apid address: NODE_ADDRESS, else our lowest address — the one
   * peers rank us by when they reach us on several (they keep the lowest), so
   * no two nodes can each defer to the other. Null while we have none.
   */
  readonly self: string | null;
  /** What a full scan probes; `local` (never probed) includes `self`. */
  readonly targets: TargetPlan;
  readonly source: "scan-cidr" | "interfaces";
  /** Interface prefixes left out (too large, or holding only this node). */
  readonly skipped: readonly SkippedPrefix[];
}

/**
 * planNetwork is pure: settings and this node's interfaces in, the plan out.
 * A bad SCAN_CIDR, PEERS or NODE_ADDRESS throws, naming the entry.
 */
export function planNetwork(s: NetworkSettings, local: LocalNetwork): NetworkPlan {
  const cidr = selectPrefixes(parsePrefixList(s.scanCidr), "scan-cidr", s.scanMaxAddresses).prefixes;
  const peers = parseAddressList(s.peers);
  const fromIfaces = selectPrefixes(local.prefixes, "interface", s.scanMaxAddresses);
  const self = s.nodeAddress === null ? lowestAddress(local.addresses) : canonicalAddress(s.nodeAddress);
  return {
    self,
    targets: {
      prefixes: cidr.length > 0 ? cidr : fromIfaces.prefixes,
      peers,
      local: self === null ? local.addresses : [...new Set([self, ...local.addresses])],
    },
    source: cidr.length > 0 ? "scan-cidr" : "interfaces",
    skipped: cidr.length > 0 ? [] : fromIfaces.skipped,
  };
}

/** When each source is used, as the `network` line says it (README "Finding the other control planes"). */
const SCAN_WHEN: Readonly<Record<PeerDiscoveryMode, string>> = {
  auto: "when discovery and PEERS show fewer control planes than the quorum",
  "no-scan": "never",
  "scan-only": "every scan interval",
};

/** logPlan says once, at start, where the agent will look (each source) and what it left out. */
export function logPlan(log: Logger, plan: NetworkPlan, mode: PeerDiscoveryMode): void {
  const t = plan.targets;
  log.info(
    {
      self: plan.self,
      addresses: t.local,
      prefixes: t.prefixes.map(formatPrefix),
      peers: t.peers,
      targets: countTargets(t).toString(),
      source: plan.source === "scan-cidr" ? "TALOS_AUTO_BOOTSTRAP_SCAN_CIDR" : "interfaces",
      peerDiscovery: mode,
      sources: { discovery: mode === "scan-only" ? "not used" : "Affiliates on own apid", peers: t.peers.length, scan: SCAN_WHEN[mode] },
    },
    "network",
  );
  // No scan, so nothing to say about prefixes; only discovery and PEERS can find peers.
  if (mode === "no-scan") return;
  for (const s of plan.skipped) {
    if (s.reason.kind === "too-large") {
      log.warn({ prefix: s.prefix, addresses: s.reason.addresses.toString(), limit: s.reason.limit }, "interface prefix too large to scan; skipped");
    } else {
      log.warn({ prefix: s.prefix }, "interface prefix holds only this node; skipped");
    }
  }
  if (t.prefixes.length === 0 && t.peers.length === 0) {
    log.warn({}, "nothing to scan: set TALOS_AUTO_BOOTSTRAP_SCAN_CIDR or TALOS_AUTO_BOOTSTRAP_PEERS");
  }
}
