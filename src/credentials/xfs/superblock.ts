// The primary superblock (sector 0 of AG 0): the geometry every other offset
// is computed from. All of it is validated here, so the rest of the reader
// can do its arithmetic without re-checking (TALOS.md §7 "Raw XFS read").
import { xfsCrcOk } from "./crc32c.js";
import { XfsError, corrupt } from "./errors.js";

export interface Superblock {
  readonly blockSize: number;
  readonly blockLog: number;
  /** Data blocks in the filesystem. */
  readonly dataBlocks: number;
  readonly agBlocks: number;
  readonly agCount: number;
  /** Bits of an AG-encoded block number that hold the block within its AG. */
  readonly agBlockLog: number;
  readonly inodeSize: number;
  /** log2 of inodes per block. */
  readonly inodesPerBlockLog: number;
  readonly sectorSize: number;
  readonly rootIno: bigint;
  /** Directory blocks are blockSize << dirblklog. */
  readonly dirBlockSize: number;
  /** Directory entries carry a file-type byte. */
  readonly hasFtype: boolean;
  /** Inodes may keep a 64-bit extent count (flag NREXT64 in di_flags2). */
  readonly hasNrext64: boolean;
}

const XFS_MAGIC = 0x58465342; // "XFSB"
const CRC_OFFSET = 224;

/** Bytes to read first; the full sector is read again if it is larger. */
export const MIN_SECTOR = 512;

const INCOMPAT = {
  ftype: 0x01,
  spinodes: 0x02, // sparse inode chunks: inode numbers are computed the same way
  metaUuid: 0x04, // the uuid stamped on blocks may differ from sb uuid; we do not compare uuids
  bigtime: 0x08,
  needsRepair: 0x10,
  nrext64: 0x20,
  exchange: 0x40, // Talos >= 1.13 (lts_6.18.conf): file-range exchange, no layout change
  parent: 0x80, // Talos >= 1.13: parent pointers are extended attributes, data forks unchanged
  metadir: 0x100, // metadata inodes move to their own tree; rootino and user inodes unchanged
} as const;
const KNOWN_INCOMPAT = Object.values(INCOMPAT).reduce((a, b) => a | b, 0);

/** sectorSizeOf peeks at sb_sectsize so the caller can read the whole sector. */
export function sectorSizeOf(head: Uint8Array): number {
  if (head.length < MIN_SECTOR) throw corrupt("short superblock read");
  return new DataView(head.buffer, head.byteOffset, head.byteLength).getUint16(102);
}

/** parseSuperblock validates and decodes one full superblock sector. */
export function parseSuperblock(sector: Uint8Array): Superblock {
  if (sector.length < MIN_SECTOR) throw corrupt("short superblock read");
  const v = new DataView(sector.buffer, sector.byteOffset, sector.byteLength);
  if (v.getUint32(0) !== XFS_MAGIC) throw new XfsError("not-xfs", "no XFS superblock magic at offset 0");
  const version = v.getUint16(100) & 0x000f;
  if (version !== 5) throw new XfsError("unsupported", `XFS version ${version}; only v5 is read`);

  const blockLog = v.getUint8(120);
  const sectorLog = v.getUint8(121);
  const inodeLog = v.getUint8(122);
  const inodesPerBlockLog = v.getUint8(123);
  const agBlockLog = v.getUint8(124);
  const dirBlockLog = v.getUint8(192);
  const blockSize = v.getUint32(4);
  const sectorSize = v.getUint16(102);
  const inodeSize = v.getUint16(104);
  const agBlocks = v.getUint32(84);
  const agCount = v.getUint32(88);
  const dataBlocks = v.getBigUint64(8);

  const geometryOk =
    blockLog >= 9 && blockLog <= 16 && blockSize === 2 ** blockLog &&
    sectorLog >= 9 && sectorLog <= 15 && sectorSize === 2 ** sectorLog && sectorSize <= blockSize &&
    inodeLog >= 8 && inodeLog <= 11 && inodeSize === 2 ** inodeLog &&
    inodesPerBlockLog === blockLog - inodeLog && v.getUint16(106) === 2 ** inodesPerBlockLog &&
    agBlockLog >= 1 && agBlockLog <= 31 && agBlocks >= 1 && agBlocks <= 2 ** agBlockLog &&
    agCount >= 1 && blockLog + dirBlockLog <= 16 &&
    dataBlocks <= BigInt(agCount) * BigInt(agBlocks) &&
    dataBlocks * BigInt(blockSize) <= BigInt(Number.MAX_SAFE_INTEGER);
  if (!geometryOk) throw corrupt("superblock geometry is inconsistent");
  if (sector.length !== sectorSize) throw corrupt("superblock read does not match its sector size");
  if (!xfsCrcOk(sector, CRC_OFFSET)) throw corrupt("superblock checksum mismatch");

  const incompat = v.getUint32(216);
  if (incompat & INCOMPAT.needsRepair) throw new XfsError("unsupported", "filesystem is marked as needing repair");
  const unknown = (incompat & ~KNOWN_INCOMPAT) >>> 0;
  if (unknown !== 0) throw new XfsError("unsupported", `unknown incompatible features 0x${unknown.toString(16)}`);

  return {
    blockSize,
    blockLog,
    dataBlocks: Number(dataBlocks),
    agBlocks,
    agCount,
    agBlockLog,
    inodeSize,
    inodesPerBlockLog,
    sectorSize,
    rootIno: v.getBigUint64(56),
    dirBlockSize: blockSize * 2 ** dirBlockLog,
    hasFtype: (incompat & INCOMPAT.ftype) !== 0,
    hasNrext64: (incompat & INCOMPAT.nrext64) !== 0,
  };
}
