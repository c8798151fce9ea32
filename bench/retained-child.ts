// Does a sweep leave anything behind? Sweeps a prefix with the agent's scan()
// + probe() and prints the heap in use after a full GC, before and after:
//   RETAINED {"probed":…, "beforeBytes":…, "afterBytes":…, "peakRssBytes":…}
//   node --expose-gc --import tsx bench/retained-child.ts <cidr> <self> <ca.json>
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { loadMachineCa } from "../src/credentials/ca.js";
import { mintClientIdentity } from "../src/credentials/certs.js";
import { targets } from "../src/discovery/addresses.js";
import { parsePrefix } from "../src/discovery/prefixes.js";
import { probe } from "../src/discovery/probe.js";
import { scan } from "../src/discovery/scan.js";
import { createTalosPool } from "../src/talos/pool.js";

const [cidr, self, caFile] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;
if (cidr === undefined || self === undefined || caFile === undefined || gc === undefined) {
  throw new Error("usage: node --expose-gc --import tsx retained-child.ts <cidr> <self> <ca.json>");
}
const pems = JSON.parse(readFileSync(caFile, "utf8")) as { certPem: string; keyPem: string };
const ca = loadMachineCa({ caCertPem: pems.certPem, caKeyPem: pems.keyPem, acceptedCaPems: [] });
const reader = await mintClientIdentity(ca, "os:reader", new Date(), 3_600_000);
const pool = createTalosPool();
const deps = { pool, reader, trust: ca.trustPems };
const prefix = parsePrefix(cidr);
const sweep = (p = prefix) =>
  scan(targets({ prefixes: [p], peers: [], local: [self] }), (a, o) => probe(a, deps, o), {
    concurrency: 50,
    timeoutMs: 500,
    signal: AbortSignal.timeout(600_000),
  });
/** Heap in use once everything collectable is collected (handles close a tick later). */
const settled = async (): Promise<number> => {
  for (let i = 0; i < 3; i++) {
    await sleep(50);
    gc();
  }
  return process.memoryUsage().heapUsed;
};
// Warm-up on the prefix's first /24: code is compiled, caches and pools are filled.
await sweep({ ...prefix, length: Math.max(prefix.length, 24) });
const beforeBytes = await settled();
const r = await sweep();
const afterBytes = await settled();
pool.closeAll();
process.stdout.write(`RETAINED ${JSON.stringify({ probed: r.summary.probed, beforeBytes, afterBytes, peakRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
process.exit(0);
