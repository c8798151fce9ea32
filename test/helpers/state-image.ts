// A node's STATE partition on a loop device: XFS holding config.yaml, plain
// or inside LUKS2. Images live in a run-named temp dir so a sweep finds them.
import { rmSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { attachLoop, type LoopDevice } from "./loop.js";
import { makeLuksImage, openLuks, type OpenedLuks } from "./luks.js";
import { hasDeviceMapper } from "./preflight.js";
import { markRunAlive, onExitLastResort, runName } from "./run-id.js";
import { makeXfsImage, type XfsImageFile } from "./xfs-image.js";

/** Talos's STATE is 100 MiB. */
export const STATE_SIZE_BYTES = 100 << 20;

export interface StateOptions {
  /** Written as config.yaml (0600, as Talos does); absent: no config.yaml (a node in maintenance mode). */
  readonly configYaml?: string;
  readonly files?: readonly XfsImageFile[];
  readonly encrypted?: boolean;
  /** LUKS passphrase; default a fixed test string. */
  readonly passphrase?: string;
  readonly sizeBytes?: number;
}

export interface StateVolume {
  /** Run-named temp dir holding the images. */
  readonly dir: string;
  /** The STATE partition: what /dev/disk/by-partlabel/STATE points at. */
  readonly partition: LoopDevice;
  /** The block device holding the XFS: the partition, or the decrypted mapping (or its stand-in). */
  readonly xfsDevice: string;
  /** How the decrypted XFS is provided; null when not encrypted. A stand-in is a loop over the plain image. */
  readonly mapper: "device-mapper" | "stand-in-loop" | null;
  readonly passphrase: string | null;
  /** Close the mapping, detach the loops, remove the images. Idempotent. */
  teardown(): Promise<void>;
}

let volumes = 0;

export async function makeStateVolume(opts: StateOptions = {}): Promise<StateVolume> {
  markRunAlive();
  const idx = volumes++;
  const dir = join(tmpdir(), runName(`state${idx}`));
  await mkdir(dir, { mode: 0o700 });
  // Registered first, so on a crash it runs last: after the loops let go of the images.
  const forget = onExitLastResort(() => rmSync(dir, { recursive: true, force: true }));
  const undo: (() => Promise<unknown>)[] = [async () => (await rm(dir, { recursive: true, force: true }), forget())];
  let tearing: Promise<void> | null = null;
  const teardown = () =>
    (tearing ??= (async () => {
      for (const u of undo.reverse()) await u().catch(() => undefined);
    })());
  try {
    const files = [
      ...(opts.configYaml !== undefined ? [{ name: "config.yaml", content: opts.configYaml, mode: 0o600 }] : []),
      ...(opts.files ?? []),
    ];
    const img = await makeXfsImage({ sizeBytes: opts.sizeBytes ?? STATE_SIZE_BYTES, files });
    // Move it into our run-named dir: the loop's backing path is how a sweep recognises it.
    const plain = join(dir, "state.img");
    await rename(img.path, plain);
    await img.remove();
    if (opts.encrypted !== true) {
      const partition = await attachLoop(plain);
      undo.push(() => partition.detach());
      return { dir, partition, xfsDevice: partition.device, mapper: null, passphrase: null, teardown };
    }
    const passphrase = opts.passphrase ?? "autobootstrap-test-passphrase";
    const luks = await makeLuksImage(plain, join(dir, "luks.img"), passphrase);
    const partition = await attachLoop(luks.path);
    undo.push(() => partition.detach());
    if (hasDeviceMapper()) {
      const opened: OpenedLuks = await openLuks(partition.device, runName(`luks${idx}`), passphrase);
      undo.push(() => opened.close());
      return { dir, partition, xfsDevice: opened.device, mapper: "device-mapper", passphrase, teardown };
    }
    const standIn = await attachLoop(plain);
    undo.push(() => standIn.detach());
    return { dir, partition, xfsDevice: standIn.device, mapper: "stand-in-loop", passphrase, teardown };
  } catch (err) {
    await teardown();
    throw err;
  }
}
