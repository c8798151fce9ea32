// The bytes of an inode's data fork, up to di_size: extents are copied into
// place, holes and unwritten extents stay zero.
import { dataExtents } from "./extents.js";
import { XfsError, corrupt } from "./errors.js";
import type { Inode } from "./inode.js";
import type { Volume } from "./volume.js";

/** readData returns the first di_size bytes of `inode`'s data, refusing more than maxBytes. */
export async function readData(vol: Volume, inode: Inode, maxBytes: number): Promise<Buffer> {
  if (inode.size > maxBytes) {
    throw new XfsError("too-large", `inode ${inode.ino}: ${inode.size} bytes, more than the limit of ${maxBytes}`);
  }
  if (inode.format === "local") {
    if (inode.size > inode.dataFork.length) throw corrupt(`inode ${inode.ino}: local data larger than the inode`);
    return Buffer.from(inode.dataFork.subarray(0, inode.size));
  }
  const out = Buffer.alloc(inode.size);
  const bs = vol.sb.blockSize;
  const fileBlocks = Math.ceil(inode.size / bs);
  for (const e of await dataExtents(vol, inode)) {
    // Blocks past EOF are preallocation (or, for directories, the leaf part).
    if (e.unwritten || e.fileBlock >= fileBlocks) continue;
    const start = e.fileBlock * bs;
    const length = Math.min(e.blocks * bs, inode.size - start);
    out.set(await vol.read(e.diskByte, length), start);
  }
  return out;
}
