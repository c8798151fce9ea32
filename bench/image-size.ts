// Row 5: the extension image per architecture, as the packaging build
// (hack/image/build.sh) recorded it in out/image/sizes.json.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../test/helpers/sandbox.js";
import type { Machine } from "./lib/machine.js";
import type { Row } from "./lib/report.js";
import { fmtMiB } from "./lib/stats.js";

const SIZES = join(REPO_ROOT, "out/image/sizes.json");

interface Sizes {
  readonly imageIndex?: string;
  readonly arches: Readonly<Record<string, { uncompressedBytes: number; compressedLayerBytes: number; files: number }>>;
}

export function imageRows(m: Machine): Row[] {
  const method = "read from out/image/sizes.json (hack/image/build.sh): compressed = the layer blob as stored, uncompressed = regular files of the extension tree";
  if (!existsSync(SIZES)) {
    return [{ id: "5", metric: "extension image size", config: "all arches", value: null, unit: "bytes", shown: "not built", against: "", ratio: null, verdict: "skipped", method: `${method}; run hack/image/build.sh first`, machine: m }];
  }
  const sizes = JSON.parse(readFileSync(SIZES, "utf8")) as Sizes;
  return Object.entries(sizes.arches).map(([arch, s], i) => ({
    id: `5${"abcdefgh"[i] ?? ""}`,
    metric: `extension image, ${arch}`,
    config: `${s.files} files; index ${sizes.imageIndex?.slice(0, 19) ?? "?"}`,
    value: s.compressedLayerBytes,
    unit: "bytes",
    shown: `${fmtMiB(s.compressedLayerBytes)} gz / ${fmtMiB(s.uncompressedBytes)}`,
    against: "",
    ratio: null,
    verdict: "info",
    method,
    machine: m,
    detail: { ...s },
  }));
}
