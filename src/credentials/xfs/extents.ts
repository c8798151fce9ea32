// The block map of a data fork: a list of extents kept in the inode
// ("extents" format) or, once it outgrows the inode, a B+tree whose root is in
// the inode and whose nodes and leaves are "BMA3" blocks ("btree" format).
// A config.yaml of at most a few dozen blocks fits in the inode unless free
// space was badly fragmented or blocks are 1 KiB, so the btree path is rare;
// it is read rather than refused because the alternative is a node that
// cannot bootstrap.
import { xfsCrcOk } from "./crc32c.js";
import { corrupt } from "./errors.js";
import type { Inode } from "./inode.js";
import { type Volume, blockToByte } from "./volume.js";

export interface Extent {
  /** First file block the extent maps. */
  readonly fileBlock: number;
  readonly blocks: number;
  /** Byte offset on the device; meaningless when unwritten. */
  readonly diskByte: number;
  /** Preallocated but never written: reads as zeros. */
  readonly unwritten: boolean;
}

/** MAX_EXTENTS: a 1 MiB file in 1 KiB blocks has at most 1024. */
export const MAX_EXTENTS = 4096;
/** MAX_BTREE_BLOCKS: more than enough leaves for MAX_EXTENTS in 1 KiB blocks. */
export const MAX_BTREE_BLOCKS = 256;
const MAX_BTREE_LEVELS = 5;

const EXTENT_SIZE = 16;
const BMAP_MAGIC = 0x424d4133; // "BMA3"
const BMAP_HEADER = 72; // long-form btree block header with CRC
const BMAP_CRC_OFFSET = 64;
const BMAP_OWNER_OFFSET = 56;
const ROOT_HEADER = 4; // bb_level, bb_numrecs

/** decodeExtent unpacks one 128-bit big-endian extent record. */
export function decodeExtent(vol: Volume, bytes: Uint8Array, at: number): Extent {
  const v = new DataView(bytes.buffer, bytes.byteOffset + at, EXTENT_SIZE);
  const hi = v.getBigUint64(0);
  const lo = v.getBigUint64(8);
  const fileBlock = Number((hi >> 9n) & ((1n << 54n) - 1n));
  const startBlock = ((hi & 0x1ffn) << 43n) | (lo >> 21n);
  const blocks = Number(lo & 0x1fffffn);
  if (blocks === 0) throw corrupt("zero-length extent");
  return { fileBlock, blocks, diskByte: blockToByte(vol.sb, startBlock, blocks), unwritten: hi >> 63n === 1n };
}

/** dataExtents returns the data fork's extents in file order, checked not to overlap. */
export async function dataExtents(vol: Volume, inode: Inode): Promise<Extent[]> {
  const extents: Extent[] = [];
  switch (inode.format) {
    case "extents": {
      if (inode.extentCount * EXTENT_SIZE > inode.dataFork.length) {
        throw corrupt(`inode ${inode.ino}: ${inode.extentCount} extents do not fit in the inode`);
      }
      if (inode.extentCount > MAX_EXTENTS) throw corrupt(`inode ${inode.ino}: more than ${MAX_EXTENTS} extents`);
      for (let i = 0; i < inode.extentCount; i++) extents.push(decodeExtent(vol, inode.dataFork, i * EXTENT_SIZE));
      break;
    }
    case "btree":
      await walkBtree(vol, inode, extents);
      break;
    case "local":
      throw corrupt(`inode ${inode.ino}: local data has no extents`);
    default: {
      const never: never = inode.format;
      throw corrupt(`inode format ${String(never)}`);
    }
  }
  for (let i = 1; i < extents.length; i++) {
    const prev = extents[i - 1] as Extent;
    if ((extents[i] as Extent).fileBlock < prev.fileBlock + prev.blocks) {
      throw corrupt(`inode ${inode.ino}: extents out of order or overlapping`);
    }
  }
  return extents;
}

/** walkBtree collects the leaf records under the root kept in the inode. */
async function walkBtree(vol: Volume, inode: Inode, out: Extent[]): Promise<void> {
  const fork = inode.dataFork;
  const root = new DataView(fork.buffer, fork.byteOffset, fork.byteLength);
  const level = root.getUint16(0);
  const count = root.getUint16(2);
  // Keys and pointers are two arrays sized for the most records the root can hold.
  const maxRecs = Math.floor((fork.length - ROOT_HEADER) / 16);
  if (level === 0 || level > MAX_BTREE_LEVELS || count === 0 || count > maxRecs) {
    throw corrupt(`inode ${inode.ino}: bad block map root (level ${level}, ${count} records)`);
  }
  const budget = { blocks: MAX_BTREE_BLOCKS };
  for (let i = 0; i < count; i++) {
    const ptr = root.getBigUint64(ROOT_HEADER + maxRecs * 8 + i * 8);
    await visit(vol, inode, ptr, level - 1, out, budget);
  }
}

async function visit(
  vol: Volume,
  inode: Inode,
  ptr: bigint,
  level: number,
  out: Extent[],
  budget: { blocks: number },
): Promise<void> {
  if (--budget.blocks < 0) throw corrupt(`inode ${inode.ino}: block map has more than ${MAX_BTREE_BLOCKS} blocks`);
  const bs = vol.sb.blockSize;
  const block = await vol.read(blockToByte(vol.sb, ptr), bs);
  const v = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const count = v.getUint16(6);
  const maxRecs = Math.floor((bs - BMAP_HEADER) / 16);
  if (v.getUint32(0) !== BMAP_MAGIC || v.getUint16(4) !== level || count > maxRecs) {
    throw corrupt(`inode ${inode.ino}: bad block map block ${ptr}`);
  }
  if (v.getBigUint64(BMAP_OWNER_OFFSET) !== inode.ino) throw corrupt(`inode ${inode.ino}: block map block ${ptr} has another owner`);
  if (!xfsCrcOk(block, BMAP_CRC_OFFSET)) throw corrupt(`inode ${inode.ino}: block map block ${ptr} checksum mismatch`);
  if (level === 0) {
    if (out.length + count > MAX_EXTENTS) throw corrupt(`inode ${inode.ino}: more than ${MAX_EXTENTS} extents`);
    for (let i = 0; i < count; i++) out.push(decodeExtent(vol, block, BMAP_HEADER + i * EXTENT_SIZE));
    return;
  }
  for (let i = 0; i < count; i++) {
    await visit(vol, inode, v.getBigUint64(BMAP_HEADER + maxRecs * 8 + i * 8), level - 1, out, budget);
  }
}
