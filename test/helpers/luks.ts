// An encrypted STATE like Talos's: a LUKS2 header in front, the XFS behind it
// encrypted with aes-xts-plain64. The header comes from cryptsetup; the data
// area is encrypted here with the volume key we chose, so building the image
// needs no device-mapper (this kernel may have none). Where device-mapper
// exists, openLuks maps it for real.
import { createCipheriv, randomBytes } from "node:crypto";
import { open, readFile, truncate, writeFile } from "node:fs/promises";
import { join, dirname } from "node:path";
import { run, runOk, runSync } from "./cmd.js";
import { onExitLastResort } from "./run-id.js";

/** LUKS2's default data offset (16 MiB), fixed so the layout never depends on the cryptsetup version. */
export const LUKS_DATA_OFFSET = 16 << 20;
const SECTOR = 512;
const CHUNK = 1 << 20;

export interface LuksImage {
  readonly path: string;
  /** 64 bytes: two AES-256 keys for XTS. */
  readonly volumeKey: Buffer;
}

/** makeLuksImage writes <path> = LUKS2 header (passphrase in keyslot 0) + plainImage encrypted. */
export async function makeLuksImage(plainImage: string, path: string, passphrase: string): Promise<LuksImage> {
  const plain = await readFile(plainImage);
  if (plain.length % SECTOR !== 0) throw new Error(`${plainImage}: size is not a multiple of ${SECTOR}`);
  const volumeKey = randomBytes(64);
  const keyFile = join(dirname(path), "volume.key");
  await writeFile(keyFile, volumeKey, { mode: 0o600 });
  await writeFile(path, "");
  await truncate(path, LUKS_DATA_OFFSET + plain.length);
  // pbkdf2 with few iterations: the KDF guards nothing in a test and argon2 would cost seconds and memory.
  await runOk(
    ["cryptsetup", "luksFormat", "--type", "luks2", "--batch-mode", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000",
      "--cipher", "aes-xts-plain64", "--key-size", "512", "--sector-size", String(SECTOR),
      "--offset", String(LUKS_DATA_OFFSET / SECTOR), "--volume-key-file", keyFile, "--key-file", "-", path],
    { input: passphrase },
  );
  const fh = await open(path, "r+");
  try {
    for (let off = 0; off < plain.length; off += CHUNK) {
      const chunk = plain.subarray(off, Math.min(off + CHUNK, plain.length));
      await fh.write(encryptSectors(chunk, volumeKey, off / SECTOR), 0, chunk.length, LUKS_DATA_OFFSET + off);
    }
  } finally {
    await fh.close();
  }
  return { path, volumeKey };
}

/** encryptSectors: aes-xts-plain64, the IV of each 512-byte sector is its number (from the data start), little-endian. */
export function encryptSectors(data: Buffer, key: Buffer, firstSector: number): Buffer {
  const out = Buffer.alloc(data.length);
  const iv = Buffer.alloc(16);
  for (let s = 0; s * SECTOR < data.length; s++) {
    iv.writeBigUInt64LE(BigInt(firstSector + s), 0);
    const c = createCipheriv("aes-256-xts", key, iv);
    c.update(data.subarray(s * SECTOR, (s + 1) * SECTOR)).copy(out, s * SECTOR);
    c.final();
  }
  return out;
}

/** volumeKeyOf asks cryptsetup for the key it unlocks with the passphrase (checks the header we made). */
export async function volumeKeyOf(device: string, passphrase: string): Promise<Buffer> {
  const out = await runOk(["cryptsetup", "luksDump", "--dump-volume-key", "--batch-mode", "--key-file", "-", device], {
    input: passphrase,
  });
  const m = /MK dump:\s*((?:[0-9a-f]{2}\s+)+)/.exec(out);
  if (m === null) throw new Error(`cryptsetup luksDump printed no volume key for ${device}`);
  return Buffer.from(m[1]!.replace(/\s+/g, ""), "hex");
}

export interface OpenedLuks {
  /** "/dev/mapper/<name>" */
  readonly device: string;
  close(): Promise<void>;
}

/** openLuks maps device under a host-unique name (device-mapper names are global); closed on teardown or exit. */
export async function openLuks(device: string, name: string, passphrase: string): Promise<OpenedLuks> {
  await runOk(["cryptsetup", "open", "--type", "luks2", "--key-file", "-", device, name], { input: passphrase });
  const forget = onExitLastResort(() => runSync(["cryptsetup", "close", name]));
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      await run(["cryptsetup", "close", name]);
      forget();
    })());
  return { device: `/dev/mapper/${name}`, close };
}
