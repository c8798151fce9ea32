// Volume: the superblock plus a bounded reader. Every byte the XFS reader
// looks at comes through read(), which refuses ranges outside the filesystem,
// short reads and, past a fixed budget, any read at all, so a hostile image
// cannot make the reader loop.
import { XfsError, corrupt } from "./errors.js";
import { MIN_SECTOR, type Superblock, parseSuperblock, sectorSizeOf } from "./superblock.js";

/** Positional read of the device or image; must return exactly `length` bytes unless at its end. */
export type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

export interface Volume {
  readonly sb: Superblock;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** MAX_READS bounds the reads of one lookup: a path walk and a 1 MiB file need far fewer. */
export const MAX_READS = 4096;

/** openVolume reads and validates the superblock. */
export async function openVolume(readAt: ReadAt, signal?: AbortSignal): Promise<Volume> {
  let reads = 0;
  let limit = Number.MAX_SAFE_INTEGER; // until the superblock tells the filesystem's size
  const read = async (offset: number, length: number): Promise<Uint8Array> => {
    signal?.throwIfAborted();
    if (++reads > MAX_READS) throw corrupt(`more than ${MAX_READS} reads for one lookup`);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > limit) {
      throw corrupt(`read outside the filesystem (offset ${offset}, length ${length})`);
    }
    const bytes = await readAt(offset, length);
    if (bytes.length !== length) {
      throw new XfsError("corrupt", `short read at offset ${offset}: ${bytes.length} of ${length} bytes`);
    }
    return bytes;
  };
  const head = await read(0, MIN_SECTOR);
  const sectorSize = sectorSizeOf(head);
  const sector =
    sectorSize > MIN_SECTOR && sectorSize <= 32768 && Number.isInteger(Math.log2(sectorSize))
      ? await read(0, sectorSize)
      : head;
  const sb = parseSuperblock(sector);
  limit = sb.dataBlocks * sb.blockSize;
  return { sb, read };
}

/**
 * blockToByte turns an AG-encoded block number (agno << agblklog | agbno, as
 * in extents and btree pointers) into a byte offset. It is not
 * fsblock * blocksize: AGs need not fill their 2^agblklog range.
 */
export function blockToByte(sb: Superblock, fsb: bigint, count = 1): number {
  const agno = Number(fsb >> BigInt(sb.agBlockLog));
  const agbno = Number(fsb & ((1n << BigInt(sb.agBlockLog)) - 1n));
  if (agno >= sb.agCount || agbno + count > sb.agBlocks) {
    throw corrupt(`block ${fsb} (AG ${agno}, block ${agbno}, count ${count}) is outside the filesystem`);
  }
  return (agno * sb.agBlocks + agbno) * sb.blockSize;
}
