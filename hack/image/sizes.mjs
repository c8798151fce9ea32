// sizes.mjs LAYOUT WORK ARCH... — size table of the built image.
// Per arch: uncompressed bytes of the extension tree (regular files), the
// compressed layer as stored in LAYOUT, and the largest files. Prints a table
// and writes LAYOUT/sizes.json, which docs/packaging.md quotes.
import { readFileSync, writeFileSync, readdirSync, lstatSync } from "node:fs";
import { join, relative } from "node:path";

const [layout, work, ...arches] = process.argv.slice(2);
if (!layout || !work || arches.length === 0) {
  console.error("usage: node sizes.mjs LAYOUT WORK ARCH...");
  process.exit(2);
}

const blob = (digest) => join(layout, "blobs", ...digest.split(":"));
const json = (digest) => JSON.parse(readFileSync(blob(digest), "utf8"));

/** files yields [path relative to root, bytes] for each regular file. */
function* files(root, dir = root) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const st = lstatSync(path);
    if (st.isDirectory()) yield* files(root, path);
    else if (st.isFile()) yield ["/" + relative(root, path), st.size];
  }
}

const top = json(JSON.parse(readFileSync(join(layout, "index.json"), "utf8")).manifests[0].digest);
const result = { imageIndex: JSON.parse(readFileSync(join(layout, "index.json"), "utf8")).manifests[0].digest, arches: {} };
for (const arch of arches) {
  const desc = top.manifests.find((m) => m.platform.architecture === arch);
  if (!desc) throw new Error(`no ${arch} manifest in the index`);
  const layer = json(desc.digest).layers[0];
  const all = [...files(join(work, arch))];
  result.arches[arch] = {
    manifest: desc.digest,
    uncompressedBytes: all.reduce((n, [, b]) => n + b, 0),
    compressedLayerBytes: layer.size,
    files: all.length,
    largest: all.sort((a, b) => b[1] - a[1]).slice(0, 5).map(([path, bytes]) => ({ path, bytes })),
  };
}
writeFileSync(join(layout, "sizes.json"), JSON.stringify(result, null, 2) + "\n");

const mb = (n) => (n / 1e6).toFixed(1).padStart(7) + " MB";
console.log(`image index ${result.imageIndex}`);
console.log("arch    uncompressed   compressed  files");
for (const [arch, s] of Object.entries(result.arches)) {
  console.log(`${arch.padEnd(6)} ${mb(s.uncompressedBytes)} ${mb(s.compressedLayerBytes)}  ${String(s.files).padStart(5)}`);
  for (const f of s.largest) console.log(`         ${mb(f.bytes)}  ${f.path}`);
}
