// In-process side of the hostile suite: our cluster's CA, the agent's two
// identities, and the Talos client and probe pointed at one peer, exactly as
// agent/talos-port.ts builds them. Plus the two measures every case takes:
// the peak resident set while it runs, and the warnings Node printed.
import { makeClusterCa, type ClusterCa } from "../../hack/fake-apid/pki.js";
import type { ProbeResult } from "../../src/core/types.js";
import { loadMachineCa, type MachineCa } from "../../src/credentials/ca.js";
import { mintClientIdentity, type ClientIdentity } from "../../src/credentials/certs.js";
import { probe } from "../../src/discovery/probe.js";
import type { TalosClient } from "../../src/talos/client.js";
import { TalosError } from "../../src/talos/errors.js";
import { createTalosPool, type TalosPool } from "../../src/talos/pool.js";
import type { Peer } from "./peers.js";

export interface Cluster {
  readonly ca: ClusterCa;
  readonly machineCa: MachineCa;
  readonly reader: ClientIdentity;
  readonly admin: ClientIdentity;
}

export async function makeCluster(): Promise<Cluster> {
  const ca = await makeClusterCa("ed25519");
  const machineCa = loadMachineCa({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, acceptedCaPems: [] });
  const now = new Date();
  return {
    ca,
    machineCa,
    reader: await mintClientIdentity(machineCa, "os:reader", now, 3_600_000),
    admin: await mintClientIdentity(machineCa, "os:admin", now, 3_600_000),
  };
}

/** What the agent would get from `peer`: its probe result and, with the admin identity, the ballot read. */
export interface Against {
  readonly pool: TalosPool;
  probe(timeoutMs?: number): Promise<ProbeResult>;
  client(role: "os:reader" | "os:admin"): TalosClient;
  close(): void;
}

export function against(cluster: Cluster, peer: Peer): Against {
  const pool = createTalosPool({ port: peer.port });
  const trust = cluster.machineCa.trustPems;
  return {
    pool,
    probe: (timeoutMs = 1_000) =>
      probe(peer.address, { pool, reader: cluster.reader, trust }, { signal: AbortSignal.timeout(30_000), timeoutMs }),
    client: (role) => pool.client(peer.address, role === "os:admin" ? cluster.admin : cluster.reader, trust),
    close: () => pool.closeAll(),
  };
}

/** failure awaits a call that must fail and returns its TalosError. */
export async function failure(p: Promise<unknown>): Promise<TalosError> {
  const outcome = await p.then(
    () => new Error("the call succeeded"),
    (e: unknown) => e,
  );
  if (!(outcome instanceof TalosError)) throw outcome instanceof Error ? outcome : new Error(String(outcome));
  return outcome;
}

/**
 * measured runs `work` and reports the growth of this process's resident
 * set above where it started (sampled every 10 ms), and every process
 * warning emitted meanwhile (MaxListenersExceededWarning among them).
 */
export async function measured<T>(work: () => Promise<T>): Promise<{ value: T; rssGrowthMiB: number; warnings: string[] }> {
  const start = process.memoryUsage().rss;
  let peak = start;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
  process.on("warning", onWarning);
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, rssGrowthMiB: (peak - start) / 2 ** 20, warnings };
  } finally {
    clearInterval(sampler);
    process.off("warning", onWarning);
  }
}
