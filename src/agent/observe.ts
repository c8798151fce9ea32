// One observation pass: find the control planes of our cluster (a full scan
// every scan interval, a re-read of the known ones in between), then read each
// one's etcd state and ballot, and our own facts through our own apid, so that
// every candidate's boot time is the same quantity (SystemStat.boot_time).
import { isControlPlane, type PeerView, type ProbeResult, type ScanSummary, type View } from "../core/types.js";
import type { TalosPort } from "./port.js";

type TalosPeer = Extract<ProbeResult, { kind: "talos" }>;

export interface ScanOutcome {
  readonly peers: readonly TalosPeer[];
  readonly summary: ScanSummary;
}

export interface ObserverDeps {
  readonly port: TalosPort;
  readonly selfAddress: string;
  readonly scanIntervalMs: number;
  /** Scans everything configured (prefixes, peers). */
  readonly scanAll: (signal: AbortSignal) => Promise<ScanOutcome>;
  /** Probes just these addresses. */
  readonly scanSome: (addresses: readonly string[], signal: AbortSignal) => Promise<ScanOutcome>;
  readonly now: () => number;
}

export type Observation =
  | { kind: "view"; view: View; full: boolean; summary: ScanSummary; initNodes: readonly string[] }
  /** Our own apid did not answer as a control plane of our cluster: not ready yet. */
  | { kind: "self-unready"; reason: string };

export function createObserver(deps: ObserverDeps): (signal: AbortSignal) => Promise<Observation> {
  let known: string[] = [];
  let lastFull = Number.NEGATIVE_INFINITY;

  return async (signal) => {
    const self = await deps.port.probe(deps.selfAddress, signal);
    if (self.kind !== "talos" || !isControlPlane(self.machineType)) {
      return { kind: "self-unready", reason: describe(self) };
    }
    const full = deps.now() - lastFull >= deps.scanIntervalMs || known.length === 0;
    const scanned = full ? await deps.scanAll(signal) : await deps.scanSome(known, signal);
    const cps = scanned.peers.filter((p) => isControlPlane(p.machineType) && p.address !== deps.selfAddress);
    if (full) {
      lastFull = deps.now();
      known = cps.map((p) => p.address);
    }
    const [selfEtcd, peers] = await Promise.all([
      deps.port.etcd(deps.selfAddress, signal),
      Promise.all(cps.map((p) => readPeer(deps.port, p, signal))),
    ]);
    const view: View = {
      now: deps.now(),
      self: { address: deps.selfAddress, bootTime: self.bootTime, etcd: selfEtcd },
      peers,
    };
    const initNodes = cps.filter((p) => p.machineType === "init").map((p) => p.address);
    return { kind: "view", view, full, summary: scanned.summary, initNodes };
  };
}

async function readPeer(port: TalosPort, p: TalosPeer, signal: AbortSignal): Promise<PeerView> {
  const [etcd, ballot] = await Promise.all([port.etcd(p.address, signal), port.ballot(p.address, signal)]);
  return { address: p.address, bootTime: p.bootTime, etcd, ballot };
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
