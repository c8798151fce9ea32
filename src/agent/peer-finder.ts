// Finding the other control planes, source by source (discovery/peer-sources.ts
// decides; this file lists, probes and scans): Talos discovery's Affiliates
// on our own apid, then PEERS, then — only when those show fewer control
// planes than the quorum, or always with PEER_DISCOVERY=scan-only — the
// subnet scan. Every address is probed with the same mutual-TLS check.
// Between passes, poll() re-reads the Affiliates so that a control plane
// that registers is probed at once (join-watch.ts), not at the next scan.
import type { PeerDiscoveryMode } from "../config/env.js";
import { isControlPlane, type ScanSummary } from "../core/types.js";
import { targets, type TargetPlan } from "../discovery/addresses.js";
import { controlPlanePeers } from "../discovery/affiliates.js";
import {
  afterProbes,
  discoveryState,
  mergeListing,
  needsScan,
  probeTargets,
  tally,
  type DiscoveredNodes,
  type DiscoveryState,
  type PeerSource,
  type ProbeTarget,
  type SourceCounts,
} from "../discovery/peer-sources.js";
import { scan, type ScanResult, type TalosPeer } from "../discovery/scan.js";
import type { Logger } from "../log.js";
import type { TalosPort } from "./port.js";

/** Addresses the join watch probes per tick at most: a long affiliate list cannot turn it into a scan. */
export const WATCH_MAX_PROBES = 64;

export interface PeerFinderDeps {
  readonly port: TalosPort;
  readonly selfAddress: string;
  readonly mode: PeerDiscoveryMode;
  readonly quorum: number;
  readonly scanConcurrency: number;
  readonly scanTimeoutMs: number;
  /** Prefixes, PEERS and our own addresses, planned afresh (interfaces change while a cluster boots). */
  readonly plan: () => TargetPlan;
  readonly log: Logger;
}

export interface Found {
  /** The control planes to read this pass: one per node that discovery lists, plus each other one found. */
  readonly controlPlanes: readonly TalosPeer[];
  /** Every probe of the pass, discovery, PEERS and scan together. */
  readonly summary: ScanSummary;
  readonly sources: SourceCounts;
  /** Whether the subnet scan ran this pass. */
  readonly scanned: boolean;
  readonly discovery: DiscoveryState;
}

export interface PeerFinder {
  find(signal: AbortSignal, full: boolean): Promise<Found>;
  /** Re-reads the Affiliates and probes the control planes not yet reached; true when one answered. */
  poll(signal: AbortSignal): Promise<boolean>;
  /** Whether Talos discovery runs here, so that poll() can find anything. */
  watching(): boolean;
}

export function createPeerFinder(d: PeerFinderDeps): PeerFinder {
  let nodes: DiscoveredNodes = new Map();
  let known: readonly ProbeTarget[] = [];
  let discovery: DiscoveryState = { kind: "not-used" };
  const sweep = (list: Iterable<string>, signal: AbortSignal, probe = (a: string, s: AbortSignal) => d.port.probe(a, s)) =>
    scan(list, (a, o) => probe(a, o.signal), { concurrency: d.scanConcurrency, timeoutMs: d.scanTimeoutMs, signal });

  /** Lists the Affiliates; on failure the nodes already known stay, so one bad answer loses no peer. */
  const list = async (signal: AbortSignal): Promise<boolean> => {
    const read = await d.port.affiliates(d.selfAddress, signal);
    if (read.kind === "failed") {
      setDiscovery({ kind: "failed", reason: read.reason });
      return false;
    }
    const listed = controlPlanePeers(read.affiliates, { selfNodeId: read.selfNodeId });
    nodes = mergeListing(nodes, listed.peers);
    setDiscovery(discoveryState(read.affiliates.map((a) => a.id), read.selfNodeId, listed.peers.length));
    return true;
  };

  const setDiscovery = (next: DiscoveryState): void => {
    if (next.kind !== discovery.kind || (next.kind === "on" && discovery.kind === "on" && next.listed !== discovery.listed)) {
      d.log.info({ ...next }, "talos discovery");
    }
    discovery = next;
  };

  return {
    watching: () => discovery.kind === "on",

    async find(signal, full) {
      const plan = d.plan();
      if (d.mode !== "scan-only") await list(signal);
      const aimed = probeTargets(nodes, { full, peers: plan.peers, known, local: plan.local });
      const first = await sweep(aimed.map((t) => t.address), signal);
      const probed = new Set(aimed.map((t) => t.address));
      nodes = afterProbes(nodes, probed, addressesOf(first));
      const sourceOf = new Map(aimed.map((t) => [t.address, t.source]));
      const found = cps(first).map((p) => ({ address: p.address, source: sourceOf.get(p.address) ?? ("peers" as PeerSource) }));
      let counted = tally(nodes, found);
      let second: ScanResult | null = null;
      if (needsScan(d.mode, full, 1 + counted.counts.discovery + counted.counts.peers, d.quorum)) {
        second = await sweep(targets({ prefixes: plan.prefixes, peers: [], local: [...plan.local, ...probed] }), signal);
        found.push(...cps(second).map((p) => ({ address: p.address, source: "scan" as const })));
        counted = tally(nodes, found);
      }
      const read = new Set(counted.read);
      if (full) known = found.filter((f) => f.source !== "discovery" && read.has(f.address));
      return {
        controlPlanes: [...cps(first), ...(second === null ? [] : cps(second))].filter((p) => read.has(p.address)),
        summary: second === null ? first.summary : add(first.summary, second.summary),
        sources: counted.counts,
        scanned: second !== null,
        discovery,
      };
    },

    async poll(signal) {
      if (discovery.kind !== "on" || !(await list(signal))) return false;
      const local = new Set(d.plan().local);
      const waiting = [...nodes.values()].filter((n) => n.verified === null);
      const addresses = [...new Set(waiting.flatMap((n) => n.addresses))].filter((a) => !local.has(a)).slice(0, WATCH_MAX_PROBES);
      if (addresses.length === 0) return false;
      // The first control plane that answers ends the tick: the pass it wakes reads it at once.
      const hit = new AbortController();
      const answered = new Set<string>();
      try {
        await sweep(addresses, AbortSignal.any([signal, hit.signal]), async (a, s) => {
          const r = await d.port.probe(a, s);
          if (r.kind === "talos" && isControlPlane(r.machineType)) {
            answered.add(a);
            hit.abort();
          }
          return r;
        });
      } catch {
        // Aborted: by an answer (handled below), or by the end of the tick or a signal.
      }
      if (answered.size === 0) return false;
      nodes = afterProbes(nodes, answered, answered);
      d.log.info({ addresses: [...answered] }, "control plane listed by talos discovery answers; looking now");
      return true;
    },
  };
}

const cps = (r: ScanResult): TalosPeer[] => r.peers.filter((p) => isControlPlane(p.machineType));
const addressesOf = (r: ScanResult): Set<string> => new Set(cps(r).map((p) => p.address));

function add(a: ScanSummary, b: ScanSummary): ScanSummary {
  return {
    probed: a.probed + b.probed,
    controlPlanes: a.controlPlanes + b.controlPlanes,
    workers: a.workers + b.workers,
    foreign: a.foreign + b.foreign,
    unreachable: a.unreachable + b.unreachable,
    malformed: a.malformed + b.malformed,
  };
}
