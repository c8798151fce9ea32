// CRC-32C (Castagnoli), which XFS v5 stamps on every metadata block. Node has
// no crc32c (zlib's crc32 is the other polynomial), so a small table suffices:
// we check a handful of blocks per read.

const TABLE = ((): Uint32Array => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** crc32c of `bytes`, as an unsigned 32-bit number. */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * xfsCrcOk checks a metadata block whose CRC sits at `offset`: XFS computes it
 * over the whole block with that field as zeros and stores it little-endian.
 */
export function xfsCrcOk(block: Uint8Array, offset: number): boolean {
  const copy = Uint8Array.from(block);
  const view = new DataView(copy.buffer);
  const stored = view.getUint32(offset, true);
  view.setUint32(offset, 0, true);
  return crc32c(copy) === stored;
}
