// Damage for the XFS reader's tests: find the checksummed structures a clean
// lookup reads, change bytes in them, and (usually) re-stamp their CRC so the
// parsers, not the checksum, meet the damage. Seeded, so a case replays.
import { crc32c } from "../../../src/credentials/xfs/crc32c.js";

/** Where each checksummed structure the reader checks keeps its CRC, by magic. */
const CRC_AT: Readonly<Record<string, number>> = { XFSB: 224, XDB3: 4, XDD3: 4, BMA3: 64 };
const INODE_CRC_AT = 100;
/** Headers and the first entries sit here; most parsing decisions too. */
const HEAD_BYTES = 256;

function crcOffset(block: Uint8Array): number | undefined {
  const magic = Buffer.from(block.subarray(0, 4)).toString("latin1");
  return CRC_AT[magic] ?? (magic.startsWith("IN") ? INODE_CRC_AT : undefined);
}

/** restamp recomputes the CRC of a metadata block (as XFS does: over the block, the field zeroed, little-endian). */
export function restamp(block: Buffer): Buffer {
  const at = crcOffset(block);
  if (at === undefined) return block;
  block.writeUInt32LE(0, at);
  block.writeUInt32LE(crc32c(block), at);
  return block;
}

export interface Region {
  readonly start: number;
  readonly length: number;
}

/**
 * metadataRegions: the checksummed structures among the reads of a clean
 * lookup (superblock sector, inodes, directory and block map blocks), not
 * the file data, whose damage XFS cannot see.
 */
export function metadataRegions(image: Buffer, reads: readonly Region[]): Region[] {
  const v = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const [blockSize, sectorSize, inodeSize] = [v.getUint32(4), v.getUint16(102), v.getUint16(104)];
  const found = new Map<number, Region>();
  for (const r of reads) {
    const pieces =
      r.start === 0 ? [{ start: 0, length: sectorSize }]
      : r.length === inodeSize ? [r]
      : Array.from({ length: Math.floor(r.length / blockSize) }, (_, i) => ({ start: r.start + i * blockSize, length: blockSize }));
    for (const p of pieces) if (crcOffset(image.subarray(p.start, p.start + 4)) !== undefined) found.set(p.start, p);
  }
  return [...found.values()];
}

export interface Mutation {
  /** What was done, to name a failing case. */
  readonly describe: string;
  readonly restamped: boolean;
  /** Puts the original bytes back. */
  undo(): void;
}

const INTERESTING = [0n, 1n, 7n, 8n, 0x7fn, 0xffn, 0xfffn, 0x1000n, 0x7fffn, 0xffffn, 0x7fffffffn, 0xffffffffn, (1n << 64n) - 1n];

/**
 * dirItems: where the entries and free spans of a directory data block start
 * (8-byte aligned from its 64-byte header; a free span is 0xffff, length).
 * Only a mutation target: it stops at the first thing that does not parse.
 */
function dirItems(block: Buffer): number[] {
  const starts: number[] = [];
  for (let at = 64; at + 16 <= block.length && starts.length < 1024; ) {
    starts.push(at);
    const step = block.readUInt16BE(at) === 0xffff ? block.readUInt16BE(at + 2) : Math.ceil((12 + (block[at + 8] as number)) / 8) * 8;
    if (step < 8 || step % 8 !== 0) break;
    at += step;
  }
  return starts;
}

/** mutateDirItem resizes one entry or free span: by a step, or to end at (or just short of) the block end. */
function mutateDirItem(image: Buffer, region: Region, random: () => number): string | null {
  const block = image.subarray(region.start, region.start + region.length);
  const magic = block.toString("latin1", 0, 4);
  const items = magic === "XDD3" || magic === "XDB3" ? dirItems(block) : [];
  // The last item half the time: block ends are where bounds checks go wrong.
  const at = random() < 0.5 ? items[items.length - 1] : items[Math.floor(random() * items.length)];
  if (at === undefined) return null;
  const free = block.readUInt16BE(at) === 0xffff;
  const current = free ? block.readUInt16BE(at + 2) : (block[at + 8] as number);
  const toEnd = block.length - at - (free ? 0 : 12);
  const value = ([current - 8, current + 8, toEnd - 8, toEnd, toEnd + 8][Math.floor(random() * 5)] as number) & (free ? 0xffff : 0xff);
  if (free) block.writeUInt16BE(value, at + 2);
  else block[at + 8] = value;
  return `${free ? "free span length" : "name length"} ${value} at ${region.start + at}`;
}

/** mutate changes `image` in place inside `region`: a directory item resized, a random byte, or an aligned field set to an edge value. */
export function mutate(image: Buffer, region: Region, random: () => number, restampShare: number): Mutation {
  const original = Buffer.from(image.subarray(region.start, region.start + region.length));
  const what = (random() < 0.3 ? mutateDirItem(image, region, random) : null) ?? mutateField(image, region, random);
  const restamped = random() < restampShare;
  if (restamped) restamp(image.subarray(region.start, region.start + region.length));
  return {
    describe: `${what} in the structure at ${region.start}${restamped ? ", CRC re-stamped" : ""}`,
    restamped,
    undo: () => original.copy(image, region.start),
  };
}

function mutateField(image: Buffer, region: Region, random: () => number): string {
  const span = random() < 0.7 ? Math.min(HEAD_BYTES, region.length) : region.length;
  const at = region.start + Math.floor(random() * span);
  if (random() < 0.5) {
    const value = Math.floor(random() * 256);
    image[at] = value;
    return `byte ${value} at ${at}`;
  }
  const width = [2, 4, 8][Math.floor(random() * 3)] as number;
  const field = Math.min(at - (at % width), region.start + region.length - width);
  const value = (INTERESTING[Math.floor(random() * INTERESTING.length)] as bigint) & ((1n << BigInt(width * 8)) - 1n);
  for (let i = 0; i < width; i++) image[field + i] = Number((value >> BigInt(8 * (width - 1 - i))) & 0xffn);
  return `u${width * 8} ${value} at ${field}`;
}
