// On-disk inodes (v3, the only version on v5 filesystems). An inode number
// encodes its AG, the block within the AG and the slot within the block.
import { xfsCrcOk } from "./crc32c.js";
import { XfsError, corrupt } from "./errors.js";
import type { Volume } from "./volume.js";

export type ForkFormat = "local" | "extents" | "btree";

export interface Inode {
  readonly ino: bigint;
  readonly mode: number;
  readonly format: ForkFormat;
  /** di_size: bytes of a file; for directories, of the data part only. */
  readonly size: number;
  /** Extent records of the data fork (meaningful for "extents"). */
  readonly extentCount: number;
  /** The data fork literal area: local data, the extent list or the btree root. */
  readonly dataFork: Uint8Array;
}

export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;

const INODE_MAGIC = 0x494e; // "IN"
const CORE_SIZE = 176;
const CRC_OFFSET = 100;
const DIFLAG_REALTIME = 0x1;
const DIFLAG2_NREXT64 = 0x10n;
const FORMATS: Readonly<Record<number, ForkFormat>> = { 1: "local", 2: "extents", 3: "btree" };

/** inodeByteOffset: agno = ino >> (agblklog + inopblog), then the block in the AG, then the slot. */
export function inodeByteOffset(vol: Volume, ino: bigint): number {
  const { sb } = vol;
  const slotBits = BigInt(sb.inodesPerBlockLog);
  const agBits = BigInt(sb.agBlockLog);
  const agno = Number(ino >> (agBits + slotBits));
  const agbno = Number((ino >> slotBits) & ((1n << agBits) - 1n));
  const slot = Number(ino & ((1n << slotBits) - 1n));
  if (agno >= sb.agCount || agbno >= sb.agBlocks) throw corrupt(`inode ${ino} is outside the filesystem`);
  return (agno * sb.agBlocks + agbno) * sb.blockSize + slot * sb.inodeSize;
}

/** readInode reads and checks one inode (magic, version, self number, CRC). */
export async function readInode(vol: Volume, ino: bigint): Promise<Inode> {
  const { sb } = vol;
  const raw = await vol.read(inodeByteOffset(vol, ino), sb.inodeSize);
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (v.getUint16(0) !== INODE_MAGIC) throw corrupt(`inode ${ino}: bad magic`);
  if (v.getUint8(4) !== 3) throw corrupt(`inode ${ino}: version ${v.getUint8(4)} on a v5 filesystem`);
  if (v.getBigUint64(152) !== ino) throw corrupt(`inode ${ino}: records number ${v.getBigUint64(152)}`);
  if (!xfsCrcOk(raw, CRC_OFFSET)) throw corrupt(`inode ${ino}: checksum mismatch`);

  const formatCode = v.getUint8(5);
  const format = FORMATS[formatCode];
  if (format === undefined) throw new XfsError("unsupported", `inode ${ino}: data fork format ${formatCode}`);
  if (v.getUint16(90) & DIFLAG_REALTIME) throw new XfsError("unsupported", `inode ${ino}: realtime file`);

  const size = v.getBigUint64(56);
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`inode ${ino}: size ${size}`);
  const nrext64 = sb.hasNrext64 && (v.getBigUint64(120) & DIFLAG2_NREXT64) !== 0n;
  const extentCount = nrext64 ? v.getBigUint64(24) : BigInt(v.getUint32(76));
  // The attribute fork, if any, starts forkoff * 8 bytes into the literal area.
  const forkOffset = v.getUint8(82);
  const literal = sb.inodeSize - CORE_SIZE;
  const forkSize = forkOffset === 0 ? literal : forkOffset * 8;
  if (forkSize > literal) throw corrupt(`inode ${ino}: attribute fork offset beyond the inode`);
  if (extentCount > 0xffffffffn) throw corrupt(`inode ${ino}: ${extentCount} extents`);

  return {
    ino,
    mode: v.getUint16(2),
    format,
    size: Number(size),
    extentCount: Number(extentCount),
    dataFork: raw.subarray(CORE_SIZE, CORE_SIZE + forkSize),
  };
}
