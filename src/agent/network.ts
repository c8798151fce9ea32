// Where this node is and where its peers may be: its own address (for its
// own apid), and the addresses a scan probes — SCAN_CIDR or the interfaces'
// prefixes, plus PEERS, never our own. Re-read at every full scan, because
// interfaces come up and change while a cluster boots.
import type { Config } from "../config/env.js";
import type { ProbeResult } from "../core/types.js";
import { selectPrefixes, targets, countTargets, type SkippedPrefix, type TargetPlan } from "../discovery/addresses.js";
import { localNetwork } from "../discovery/interfaces.js";
import { compareAddresses } from "../core/address.js";
import { canonicalAddress, formatPrefix, parseAddressList, parsePrefixList } from "../discovery/prefixes.js";
import { scan } from "../discovery/scan.js";
import type { Logger } from "../log.js";
import type { ScanOutcome } from "./observe.js";
import type { TalosPort } from "./port.js";
import { sleep } from "./sleep.js";

export interface NetworkPlan {
  readonly selfAddress: string;
  readonly scanAll: (port: TalosPort) => (signal: AbortSignal) => Promise<ScanOutcome>;
  readonly scanSome: (port: TalosPort) => (addresses: readonly string[], signal: AbortSignal) => Promise<ScanOutcome>;
}

/**
 * planNetwork validates SCAN_CIDR and PEERS (a bad one throws, naming it),
 * then waits until this node has an address; null if stopped meanwhile.
 */
export async function planNetwork(config: Config, log: Logger, signal: AbortSignal): Promise<NetworkPlan | null> {
  const cidr = selectPrefixes(parsePrefixList(config.scanCidr), "scan-cidr", config.scanMaxAddresses).prefixes;
  const peers = parseAddressList(config.peers);
  const fixedSelf = config.nodeAddress === null ? null : canonicalAddress(config.nodeAddress);

  // This node's own addresses are never probed, NODE_ADDRESS included.
  const plan = (): { self: string | null; skipped: readonly SkippedPrefix[]; targets: TargetPlan } => {
    const local = localNetwork();
    const fromIfaces = selectPrefixes(local.prefixes, "interface", config.scanMaxAddresses);
    // Our lowest address: the one peers rank us by when they reach us on
    // several (they keep the lowest), so no two nodes can each defer to the
    // other. Same comparison as the ranking itself (core/address.ts).
    const self = fixedSelf ?? [...local.addresses].sort(compareAddresses)[0] ?? null;
    return {
      self,
      skipped: fromIfaces.skipped,
      targets: {
        prefixes: cidr.length > 0 ? cidr : fromIfaces.prefixes,
        peers,
        local: self === null ? local.addresses : [...new Set([self, ...local.addresses])],
      },
    };
  };

  let first = plan();
  while (first.self === null) {
    log.warn({}, "no usable address on any interface yet; waiting");
    if (!(await sleep(config.scanIntervalMs, signal))) return null;
    first = plan();
  }
  const selfAddress = first.self;
  log.info(
    {
      self: selfAddress,
      addresses: first.targets.local,
      prefixes: first.targets.prefixes.map(formatPrefix),
      peers,
      targets: countTargets(first.targets).toString(),
      source: cidr.length > 0 ? "TALOS_AUTO_BOOTSTRAP_SCAN_CIDR" : "interfaces",
    },
    "network",
  );
  if (cidr.length === 0) {
    for (const s of first.skipped) {
      log.warn(
        { prefix: s.prefix, ...(s.reason.kind === "too-large" ? { addresses: s.reason.addresses.toString(), limit: s.reason.limit } : {}) },
        s.reason.kind === "too-large" ? "interface prefix too large to scan; skipped" : "interface prefix holds only this node; skipped",
      );
    }
  }
  if (first.targets.prefixes.length === 0 && peers.length === 0) {
    log.warn({}, "nothing to scan: set TALOS_AUTO_BOOTSTRAP_SCAN_CIDR or TALOS_AUTO_BOOTSTRAP_PEERS");
  }

  const run = (port: TalosPort, list: Iterable<string>, signal: AbortSignal) =>
    scan(list, (address: string, o: { signal: AbortSignal }) => port.probe(address, o.signal) as Promise<ProbeResult>, {
      concurrency: config.scanConcurrency,
      timeoutMs: config.scanTimeoutMs,
      signal,
    });
  return {
    selfAddress,
    scanAll: (port) => (signal) => run(port, targets(plan().targets), signal),
    scanSome: (port) => (addresses, signal) => run(port, addresses, signal),
  };
}
