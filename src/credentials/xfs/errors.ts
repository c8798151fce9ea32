// The one error of the XFS reader. The reader is pure over bytes and knows
// nothing of Talos; state.ts turns these kinds into credential errors. It
// throws nothing else on any input: every bound is checked before a read.
import { KindError } from "../errors.js";

export type XfsErrorKind =
  /** No XFS superblock magic: not XFS at all (zeros, LUKS, another filesystem). */
  | "not-xfs"
  /** XFS, but a version or layout this reader does not handle. */
  | "unsupported"
  /** A checksum, magic or bound does not hold: damaged, torn or hostile image. */
  | "corrupt"
  /** A path component does not exist. */
  | "not-found"
  /** Larger than the caller's limit. */
  | "too-large";

export class XfsError extends KindError<XfsErrorKind> {
  override readonly name = "XfsError";
}

/** corrupt: the common case, shortened. */
export const corrupt = (message: string): XfsError => new XfsError("corrupt", message);
