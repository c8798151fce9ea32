// One observation pass: find the control planes of our cluster (a full scan
// every scan interval, a re-read of the known ones in between), then read each
// one's etcd state and ballot, and our own facts through our own apid, so that
// every candidate's boot time is the same quantity (SystemStat.boot_time).
import type { TypedNode } from "../core/init-node.js";
import { isControlPlane, type PeerView, type ProbeResult, type ScanSummary, type View } from "../core/types.js";
import { targets } from "../discovery/addresses.js";
import { scan, type TalosPeer } from "../discovery/scan.js";
import type { NetworkPlan } from "./network.js";
import type { TalosPort } from "./port.js";

export interface ObserverDeps {
  readonly port: TalosPort;
  readonly selfAddress: string;
  readonly scanIntervalMs: number;
  readonly scanConcurrency: number;
  readonly scanTimeoutMs: number;
  /** Plans a full scan afresh (interfaces change while a cluster boots). */
  readonly plan: () => NetworkPlan;
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
    }
  /** Our own apid did not answer as a control plane of our cluster: not ready yet. */
  | { kind: "self-unready"; reason: string }
  /** The signal aborted the pass (SIGTERM). */
  | { kind: "stopped" };

export function createObserver(deps: ObserverDeps): (signal: AbortSignal) => Promise<Observation> {
  let known: string[] = [];
  let lastFull = Number.NEGATIVE_INFINITY;
  const probe = (address: string, o: { signal: AbortSignal }) => deps.port.probe(address, o.signal);
  const sweep = (list: Iterable<string>, signal: AbortSignal) =>
    scan(list, probe, { concurrency: deps.scanConcurrency, timeoutMs: deps.scanTimeoutMs, signal });

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
      return { kind: "self-unready", reason: describe(self) };
    }
    const full = deps.now() - lastFull >= deps.scanIntervalMs || known.length === 0;
    const scanned = await sweep(full ? targets(deps.plan().targets) : known, signal);
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
    return { kind: "view", view, full, summary: scanned.summary, nodes: [self, ...cps] };
  }
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
