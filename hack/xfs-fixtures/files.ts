// The files hack/xfs-fixtures/make.sh writes onto the STATE fixtures: machine
// configs as Talos stores them (multi-document, comments kept, a made-up CA
// from the test PKI) and the small state files machined keeps beside them.
// Everything here is test material: no key ever leaves the fixtures.
//   usage: npx tsx hack/xfs-fixtures/files.ts OUT_DIR REVISIONS
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { talosConfigYaml, talosKeyPem } from "../../test/helpers/talos-config.js";
import { type KeyType, makeCa } from "../../test/unit/talos/pki.js";

const [outDir, revisionsArg] = process.argv.slice(2);
if (outDir === undefined || revisionsArg === undefined) throw new Error("usage: files.ts OUT_DIR REVISIONS");
const revisions = Number(revisionsArg);

/** commentBlock: `talosctl gen config` output is mostly comments (~20 KiB in all); Talos keeps them. */
function commentBlock(lines: number, seed: string): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(`# ${seed} ${i}: documentation of a machine config field, kept as submitted.`);
  return out.join("\n") + "\n";
}

async function config(type: KeyType, worker: boolean, padLines: number, seed: string): Promise<{ yaml: string; ca: string }> {
  const ca = await makeCa(type);
  const body = talosConfigYaml({
    machineType: worker ? "worker" : "controlplane",
    caCertPem: ca.certPem,
    caKeyPem: worker ? null : talosKeyPem(ca.key),
  });
  return { yaml: commentBlock(padLines, seed) + body, ca: ca.fingerprint };
}

const base62 = (n: number): string => {
  const abc = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  return [...randomBytes(n)].map((b) => abc[b % 62]).join("");
};

await mkdir(join(outDir, "rev"), { recursive: true });
const fingerprints: Record<string, string> = {};
for (const [name, type, worker, pad] of [
  ["cp-ed25519", "ed25519", false, 300],
  ["worker-ed25519", "ed25519", true, 300],
  ["cp-ecdsa", "ecdsa", false, 40],
  ["cp-rsa", "rsa", false, 300],
] as const) {
  const c = await config(type, worker, pad, name);
  await writeFile(join(outDir, `${name}.yaml`), c.yaml);
  fingerprints[name] = c.ca;
}

// The rewritten image: every revision a different size (1 to 12 blocks), the
// last one the config the test expects.
const rewritten = await config("ed25519", false, 0, "rewritten");
fingerprints["rewritten"] = rewritten.ca;
for (let r = 0; r < revisions; r++) {
  const pad = r === revisions - 1 ? 320 : (r * 97) % 700;
  await writeFile(join(outDir, "rev", `${String(r).padStart(4, "0")}.yaml`), commentBlock(pad, `revision ${r}`) + rewritten.yaml);
}

await writeFile(join(outDir, "node-identity.yaml"), `nodeId: ${base62(43)}\n`);
await writeFile(
  join(outDir, "platform-network.yaml"),
  "addresses: []\nlinks: []\nroutes: []\nhostnames:\n  - hostname: talos-fixture\n    layer: platform\nresolvers: []\ntimeServers: []\noperators: []\nexternalIPs: []\n",
);
await writeFile(join(outDir, "kubespan-identity.yaml"), `privateKey: ${randomBytes(32).toString("base64")}\n`);
await writeFile(join(outDir, "encryption-salt.yaml"), `diskSalt: ${randomBytes(32).toString("base64")}\n`);
await writeFile(join(outDir, "fingerprints.json"), JSON.stringify(fingerprints, null, 2) + "\n");
