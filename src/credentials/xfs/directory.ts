// Directory lookup. Small directories live in the inode ("short form"); larger
// ones in directory blocks: a single "XDB3" block with a leaf tail (block
// form) or several "XDD3" data blocks (leaf and node forms, whose hash
// blocks sit past di_size and are not needed for a linear scan).
import { xfsCrcOk } from "./crc32c.js";
import { XfsError, corrupt } from "./errors.js";
import { readData } from "./file-data.js";
import { type Inode, S_IFDIR, S_IFMT } from "./inode.js";
import type { Volume } from "./volume.js";

/** MAX_DIR_BYTES bounds the data part of a directory we scan. */
export const MAX_DIR_BYTES = 1 << 20;

const BLOCK_MAGIC = 0x58444233; // "XDB3": single-block directory
const DATA_MAGIC = 0x58444433; // "XDD3": data block of a multi-block directory
const DIR_HEADER = 64;
const DIR_CRC_OFFSET = 4;
const DIR_OWNER_OFFSET = 40;
const FREE_TAG = 0xffff;
/** Smallest free span: tag, length, and the trailing copy of its offset. */
const MIN_FREE = 8;
/** Smallest entry: inumber (8), namelen, a 1-byte name, [ftype], tag (2), padded to 8 bytes. */
const MIN_ENTRY = 16;

/** lookup finds `name` in directory `dir`: its inode number, or null. */
export async function lookup(vol: Volume, dir: Inode, name: Uint8Array): Promise<bigint | null> {
  if ((dir.mode & S_IFMT) !== S_IFDIR) throw new XfsError("not-found", `inode ${dir.ino} is not a directory`);
  if (dir.format === "local") return lookupShortForm(vol, dir, name);
  const data = await readData(vol, dir, MAX_DIR_BYTES);
  const size = vol.sb.dirBlockSize;
  if (data.length % size !== 0) throw corrupt(`directory ${dir.ino}: size ${data.length} is not whole blocks`);
  for (let at = 0; at < data.length; at += size) {
    const block = data.subarray(at, at + size);
    const v = new DataView(block.buffer, block.byteOffset, block.byteLength);
    const magic = v.getUint32(0);
    if (magic === 0) continue; // a hole: a data block freed when its entries went
    const single = magic === BLOCK_MAGIC && data.length === size;
    if (!single && magic !== DATA_MAGIC) throw corrupt(`directory ${dir.ino}: bad block magic 0x${magic.toString(16)}`);
    if (!xfsCrcOk(block, DIR_CRC_OFFSET)) throw corrupt(`directory ${dir.ino}: block checksum mismatch`);
    if (v.getBigUint64(DIR_OWNER_OFFSET) !== dir.ino) throw corrupt(`directory ${dir.ino}: block of another owner`);
    // A block-form directory ends with its leaf array and an 8-byte tail (count, stale).
    const end = single ? size - 8 - v.getUint32(size - 8) * 8 : size;
    if (end < DIR_HEADER) throw corrupt(`directory ${dir.ino}: leaf array overruns the block`);
    const found = scanDataBlock(vol, block, end, name, dir.ino);
    if (found !== null) return found;
  }
  return null;
}

/** scanDataBlock walks the 8-byte-aligned entries and free spans of one data block. */
function scanDataBlock(vol: Volume, block: Uint8Array, end: number, name: Uint8Array, ino: bigint): bigint | null {
  const v = new DataView(block.buffer, block.byteOffset, block.byteLength);
  let at = DIR_HEADER;
  while (at < end) {
    // Each bound is checked before the bytes it covers are read: an entry may end exactly at `end`.
    if (at + MIN_FREE > end) throw corrupt(`directory ${ino}: entry overruns the block`);
    if (v.getUint16(at) === FREE_TAG) {
      const length = v.getUint16(at + 2);
      if (length < MIN_FREE || length % 8 !== 0 || at + length > end) throw corrupt(`directory ${ino}: bad free span`);
      at += length;
      continue;
    }
    if (at + MIN_ENTRY > end) throw corrupt(`directory ${ino}: entry overruns the block`);
    const nameLength = v.getUint8(at + 8);
    // inumber, namelen, name, [ftype], tag, padded to 8 bytes
    const length = Math.ceil((8 + 1 + nameLength + (vol.sb.hasFtype ? 1 : 0) + 2) / 8) * 8;
    if (nameLength === 0 || at + length > end) throw corrupt(`directory ${ino}: bad entry`);
    if (bytesEqual(block.subarray(at + 9, at + 9 + nameLength), name)) return v.getBigUint64(at);
    at += length;
  }
  return null;
}

/**
 * lookupShortForm: header count u8, i8count u8, parent (4 or 8 bytes); then
 * namelen u8, offset u16, name, [ftype u8], inumber (8 bytes if i8count > 0).
 */
function lookupShortForm(vol: Volume, dir: Inode, name: Uint8Array): bigint | null {
  if (dir.size > dir.dataFork.length) throw corrupt(`directory ${dir.ino}: short form larger than the inode`);
  const sf = dir.dataFork.subarray(0, dir.size);
  const v = new DataView(sf.buffer, sf.byteOffset, sf.byteLength);
  if (sf.length < 6) throw corrupt(`directory ${dir.ino}: short form header truncated`);
  const count = v.getUint8(0);
  const inoSize = v.getUint8(1) > 0 ? 8 : 4;
  let at = 2 + inoSize;
  for (let i = 0; i < count; i++) {
    if (at + 3 > sf.length) throw corrupt(`directory ${dir.ino}: short form entry truncated`);
    const nameLength = v.getUint8(at);
    const nameAt = at + 3;
    const inoAt = nameAt + nameLength + (vol.sb.hasFtype ? 1 : 0);
    if (nameLength === 0 || inoAt + inoSize > sf.length) throw corrupt(`directory ${dir.ino}: short form entry truncated`);
    if (bytesEqual(sf.subarray(nameAt, nameAt + nameLength), name)) {
      return inoSize === 8 ? v.getBigUint64(inoAt) : BigInt(v.getUint32(inoAt));
    }
    at = inoAt + inoSize;
  }
  return null;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
