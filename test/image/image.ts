// The built extension image (hack/image/build.sh) as the tests see it: an OCI
// layout whose per-arch layer is unpacked into a temp dir, exactly as the
// imager would (manifest.yaml + rootfs/).
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { runOk } from "../helpers/cmd.js";

export const REPO = resolve(import.meta.dirname, "../..");
export const LAYOUT = process.env["IMAGE_OUT"] ?? join(REPO, "out/image");
/** Where Talos finds the container root of service `autobootstrap`. */
export const CONTAINER_DIR = "rootfs/usr/local/lib/containers/autobootstrap";
export const SERVICE_FILE = "rootfs/usr/local/etc/containers/autobootstrap.yaml";
export const ARCHES = ["amd64", "arm64"] as const;
export type Arch = (typeof ARCHES)[number];

// Downloads (~110 MB) plus two gzip -9 layers; generous for a slow CI box.
export const BUILD_DEADLINE_MS = 20 * 60_000;
const UNPACK_DEADLINE_MS = 2 * 60_000;

export function hostArch(): Arch {
  if (process.arch === "x64") return "amd64";
  if (process.arch === "arm64") return "arm64";
  throw new Error(`no image for host arch ${process.arch}`);
}

export const imageBuilt = (): boolean => existsSync(join(LAYOUT, "index.json"));

/**
 * ensureImage builds the image when out/image is missing (as root: it may
 * apt-get). It reuses dist/autobootstrap.js when present (hack/test.sh builds
 * it first) rather than rewriting it while other suites may be running it.
 */
export async function ensureImage(): Promise<void> {
  if (imageBuilt()) return;
  const bundle = join(REPO, "dist/autobootstrap.js");
  const env = existsSync(bundle) ? [`AUTOBOOTSTRAP_BUNDLE=${bundle}`] : [];
  await runOk(["env", ...env, "bash", join(REPO, "hack/image/build.sh")], { timeoutMs: BUILD_DEADLINE_MS });
}

interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly platform?: { readonly architecture: string; readonly os: string };
}

const blobPath = (digest: string): string => join(LAYOUT, "blobs", ...digest.split(":"));
const blobJson = <T>(digest: string): T => JSON.parse(readFileSync(blobPath(digest), "utf8")) as T;

/** layerOf: the single layer blob of ARCH's image, via index.json → image index → manifest. */
export function layerOf(arch: Arch): string {
  const top = JSON.parse(readFileSync(join(LAYOUT, "index.json"), "utf8")) as { manifests: Descriptor[] };
  const index = top.manifests[0];
  if (index === undefined) throw new Error("index.json lists nothing");
  const platforms = blobJson<{ manifests: Descriptor[] }>(index.digest).manifests;
  const desc = platforms.find((m) => m.platform?.architecture === arch && m.platform.os === "linux");
  if (desc === undefined) throw new Error(`no linux/${arch} image in the index`);
  const layers = blobJson<{ layers: Descriptor[] }>(desc.digest).layers;
  if (layers.length !== 1 || layers[0] === undefined) throw new Error(`${arch}: expected one layer, got ${layers.length}`);
  return blobPath(layers[0].digest);
}

/** unpack extracts ARCH's layer into DEST (which must exist), keeping modes and symlinks. */
export async function unpack(arch: Arch, dest: string): Promise<void> {
  await runOk(["tar", "-xzf", layerOf(arch), "-C", dest, "--numeric-owner"], { timeoutMs: UNPACK_DEADLINE_MS });
}
