// Row 4d–f: how long mintClientIdentity takes per CA key type (the agent mints
// a reader and an admin certificate at start and at every renewal).
import { makeClusterCa, type KeyType } from "../hack/fake-apid/pki.js";
import { loadMachineCa } from "../src/credentials/ca.js";
import { mintClientIdentity } from "../src/credentials/certs.js";
import type { Machine } from "./lib/machine.js";
import type { Row } from "./lib/report.js";
import { fmtMs, median, spread } from "./lib/stats.js";

const RUNS: Readonly<Record<KeyType, number>> = { ed25519: 30, ecdsa: 30, rsa: 15 };

export async function mintingRows(m: Machine): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [i, keyType] of (["ed25519", "ecdsa", "rsa"] as const).entries()) {
    const pems = await makeClusterCa(keyType);
    const ca = loadMachineCa({ caCertPem: pems.certPem, caKeyPem: pems.keyPem, acceptedCaPems: [] });
    await mintClientIdentity(ca, "os:reader", new Date(), 3_600_000); // warm-up
    const xs: number[] = [];
    for (let n = 0; n < RUNS[keyType]; n++) {
      const t0 = performance.now();
      await mintClientIdentity(ca, "os:reader", new Date(), 3_600_000);
      xs.push(performance.now() - t0);
    }
    const s = spread(xs);
    rows.push({
      id: `4${"def"[i]}`,
      metric: `mint client cert, ${keyType} CA`,
      config: `leaf key ${keyType === "rsa" ? "RSA-2048" : keyType === "ecdsa" ? "P-256" : "Ed25519"}, ${RUNS[keyType]} runs`,
      value: median(xs),
      unit: "ms",
      shown: `${fmtMs(median(xs))} (${fmtMs(s.min)}–${fmtMs(s.max)})`,
      against: "",
      ratio: null,
      verdict: "info",
      method: "mintClientIdentity(ca, \"os:reader\", now, 1 h) in-process after one warm-up (key generation, X.509 build, CA signature); median",
      machine: m,
      detail: { samples: xs },
    });
  }
  return rows;
}
