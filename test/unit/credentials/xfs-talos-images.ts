// The committed STATE fixtures of test/fixtures/xfs (made by
// hack/xfs-fixtures/make.sh with the mkfs.xfs and options Talos uses), read
// in memory: nothing here needs root, mkfs or a network.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { gunzip } from "node:zlib";
import { promisify } from "node:util";
import type { ReadAt } from "../../../src/credentials/xfs/volume.js";

const FIXTURES = new URL("../../fixtures/xfs/", import.meta.url);

export interface FixtureFile {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface TalosFixture {
  readonly name: string;
  /** The Talos versions that format STATE this way. */
  readonly talos: string;
  /** Which config of hack/xfs-fixtures/files.ts config.yaml holds. */
  readonly config: string;
  readonly caFingerprint: string;
  readonly mkfs: string;
  readonly args: string;
  readonly sectorSize: number;
  readonly imageSha256: string;
  /** Superblock feature words as xfs_db prints them ("0xeb"). */
  readonly features: { readonly compat: string; readonly roCompat: string; readonly incompat: string; readonly logIncompat: string };
  /** What xfs_db saw: "2 (extents), forkoff 24" for config.yaml, "1 (local), 80 bytes" for the root. */
  readonly layout: { readonly config: string; readonly root: string };
  /** What the kernel read back through a mount, per file. */
  readonly files: readonly FixtureFile[];
}

export const talosFixtures: readonly TalosFixture[] = (
  JSON.parse(readFileSync(new URL("manifest.json", FIXTURES), "utf8")) as { images: TalosFixture[] }
).images;

export function talosFixture(name: string): TalosFixture {
  const f = talosFixtures.find((i) => i.name === name);
  if (f === undefined) throw new Error(`no fixture ${name} in the manifest`);
  return f;
}

/** loadImage decompresses a fixture and checks it is the image the manifest describes. */
export async function loadImage(fixture: TalosFixture): Promise<Buffer> {
  const image = await promisify(gunzip)(readFileSync(new URL(`${fixture.name}.img.gz`, FIXTURES)));
  const sha = sha256(image);
  if (sha !== fixture.imageSha256) throw new Error(`${fixture.name}.img.gz holds sha256 ${sha}, the manifest says ${fixture.imageSha256}`);
  return image;
}

export const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/** memoryReader serves positional reads from an image in memory, copying as a device read would. */
export function memoryReader(image: Buffer): ReadAt {
  return async (offset, length) => Buffer.from(image.subarray(offset, offset + length));
}
