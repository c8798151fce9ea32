// Runs inside the scanner's network namespace (or on loopback): sweeps one
// prefix with the agent's own scan() + probe(), a reader identity minted from
// the test CA and real TLS to the fake apids, and prints one JSON line
//   SWEEP {"runs":[{concurrency, ms[], summary}]}
// Each sweep gets a fresh channel pool, so every live node costs a full
// handshake as on the agent's first round.
//   node --import tsx bench/sweep-child.ts <input.json>
import { readFileSync } from "node:fs";
import type { ScanSummary } from "../src/core/types.js";
import { loadMachineCa } from "../src/credentials/ca.js";
import { mintClientIdentity } from "../src/credentials/certs.js";
import { targets } from "../src/discovery/addresses.js";
import { parsePrefix } from "../src/discovery/prefixes.js";
import { probe } from "../src/discovery/probe.js";
import { scan } from "../src/discovery/scan.js";
import { createTalosPool } from "../src/talos/pool.js";

export interface SweepInput {
  readonly caCertPem: string;
  readonly caKeyPem: string;
  readonly cidr: string;
  /** The scanner's own addresses: never probed. */
  readonly local: readonly string[];
  readonly concurrencies: readonly number[];
  readonly timeoutMs: number;
  readonly reps: number;
  /** apid port of the fakes; 50000 in namespaces. */
  readonly port: number;
}

export interface SweepRun {
  readonly concurrency: number;
  readonly ms: readonly number[];
  readonly summary: ScanSummary;
}

export async function sweep(input: SweepInput): Promise<SweepRun[]> {
  const ca = loadMachineCa({ caCertPem: input.caCertPem, caKeyPem: input.caKeyPem, acceptedCaPems: [] });
  const reader = await mintClientIdentity(ca, "os:reader", new Date(), 3_600_000);
  const plan = { prefixes: [parsePrefix(input.cidr)], peers: [], local: input.local };
  const once = async (concurrency: number): Promise<{ ms: number; summary: ScanSummary }> => {
    const pool = createTalosPool({ port: input.port });
    const deps = { pool, reader, trust: ca.trustPems };
    const t0 = performance.now();
    const r = await scan(targets(plan), (address, o) => probe(address, deps, o), {
      concurrency,
      timeoutMs: input.timeoutMs,
      signal: AbortSignal.timeout(600_000),
    });
    const ms = performance.now() - t0;
    pool.closeAll();
    return { ms, summary: r.summary };
  };
  await once(Math.max(...input.concurrencies)); // warm-up (JIT, ARP entries); the highest concurrency is the quickest
  const runs: SweepRun[] = [];
  for (const c of input.concurrencies) {
    const ms: number[] = [];
    let summary: ScanSummary | undefined;
    for (let i = 0; i < input.reps; i++) {
      const r = await once(c);
      ms.push(r.ms);
      summary = r.summary;
    }
    runs.push({ concurrency: c, ms, summary: summary as ScanSummary });
  }
  return runs;
}

const file = process.argv[2];
if (file !== undefined && process.argv[1]?.endsWith("sweep-child.ts")) {
  const runs = await sweep(JSON.parse(readFileSync(file, "utf8")) as SweepInput);
  process.stdout.write(`SWEEP ${JSON.stringify({ runs })}\n`);
  process.exit(0);
}
