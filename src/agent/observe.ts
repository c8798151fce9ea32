// One observation pass: find the control planes of our cluster (peer-finder.ts:
// every source at a full pass, each scan interval; the ones already found in
// between), then read each one's etcd state, etcd data directory and ballot,
// and our own facts through our own apid, so that every candidate's boot time
// is the same quantity (SystemStat.boot_time).
import type { TypedNode } from "../core/init-node.js";
import { isControlPlane, type PeerView, type ProbeResult, type ScanSummary, type View } from "../core/types.js";
import type { DiscoveryState, SourceCounts } from "../discovery/peer-sources.js";
import type { TalosPeer } from "../discovery/scan.js";
import type { PeerFinder } from "./peer-finder.js";
import type { TalosPort } from "./port.js";

export interface ObserverDeps {
  readonly port: TalosPort;
  readonly selfAddress: string;
  readonly scanIntervalMs: number;
  /** Discovery, PEERS and the scan (peer-finder.ts). */
  readonly finder: Pick<PeerFinder, "find">;
  /** Every address of this node now (its own address included). */
  readonly localAddresses: () => readonly string[];
  readonly now: () => number;
}

export type Observation =
  | {
      kind: "view";
      view: View;
      full: boolean;
      summary: ScanSummary;
      /** This node and the control planes seen, with the machine type each reports. */
      nodes: readonly TypedNode[];
      /** Control planes of our cluster per source, this node not included. */
      sources: SourceCounts;
      /** Whether the subnet scan ran this pass. */
      scanned: boolean;
      discovery: DiscoveryState;
    }
  /** Our own apid did not answer as a control plane of our cluster: not ready yet. */
  | { kind: "self-unready"; reason: string; probe: ProbeResult["kind"] }
  /** The signal aborted the pass (SIGTERM). */
  | { kind: "stopped" };

export function createObserver(deps: ObserverDeps): (signal: AbortSignal) => Promise<Observation> {
  let lastFull = Number.NEGATIVE_INFINITY;
  let lastFound = 0;

  return async (signal) => {
    try {
      return await pass(signal);
    } catch (err) {
      // A scan rejects when the signal aborts it; anything else is a bug.
      if (signal.aborted) return { kind: "stopped" };
      throw err;
    }
  };

  async function pass(signal: AbortSignal): Promise<Observation> {
    const self = await deps.port.probe(deps.selfAddress, signal);
    if (self.kind !== "talos" || !isControlPlane(self.machineType)) {
      return { kind: "self-unready", reason: describe(self), probe: self.kind };
    }
    // Full when due, or while nothing is found (there is nothing else to look at).
    const full = deps.now() - lastFull >= deps.scanIntervalMs || lastFound === 0;
    const found = await deps.finder.find(signal, full);
    const cps = found.controlPlanes.filter((p) => p.address !== deps.selfAddress);
    if (full) lastFull = deps.now();
    lastFound = cps.length;
    const [selfEtcd, selfData, selfBallot, peers] = await Promise.all([
      deps.port.etcd(deps.selfAddress, signal),
      deps.port.etcdData(deps.selfAddress, signal),
      // Read back through our own apid: proves the node at our address is us.
      deps.port.ballot(deps.selfAddress, signal),
      Promise.all(cps.map((p) => readPeer(deps.port, p, signal))),
    ]);
    const view: View = {
      now: deps.now(),
      self: {
        address: deps.selfAddress,
        addresses: deps.localAddresses(),
        bootTime: self.bootTime,
        etcd: selfEtcd,
        etcdData: selfData,
        ballot: selfBallot.read,
        serverKey: selfBallot.serverKey,
      },
      peers,
    };
    return { kind: "view", view, full, summary: found.summary, nodes: [self, ...cps], sources: found.sources, scanned: found.scanned, discovery: found.discovery };
  }
}

/** The server key is the one the ballot came over: the read that decides who votes. */
async function readPeer(port: TalosPort, p: TalosPeer, signal: AbortSignal): Promise<PeerView> {
  const [etcd, etcdData, ballot] = await Promise.all([port.etcd(p.address, signal), port.etcdData(p.address, signal), port.ballot(p.address, signal)]);
  return { address: p.address, bootTime: p.bootTime, etcd, etcdData, ballot: ballot.read, serverKey: ballot.serverKey };
}

function describe(r: ProbeResult): string {
  switch (r.kind) {
    case "talos":
      return `own apid reports machine type ${r.machineType}`;
    case "refused":
    case "timeout":
      return `own apid ${r.kind}`;
    case "tls-rejected":
    case "foreign":
    case "malformed":
      return `own apid ${r.kind}: ${r.detail}`;
    default: {
      const unreachable: never = r;
      return String(unreachable);
    }
  }
}
