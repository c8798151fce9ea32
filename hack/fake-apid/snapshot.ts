// A stand-in for an etcd snapshot, checked the way Talos's etcd pre-stage
// checks a real one (docs/talos-facts.md §2): etcdutl's Status opens the file
// as a bbolt database, then Restore copies it into /var/lib/etcd/member/snap/db
// and only then checks the SHA-256 that `etcdctl snapshot save` appends. So a
// file that is not a database fails cleanly, while a hash failure leaves files
// behind in the data directory.
//
// Layout: one 4096-byte "meta page" with bbolt's magic at byte 16 and the data
// length at byte 64, then the data padded to whole pages, then (optionally)
// the SHA-256 of everything before it. etcd tells "has a hash" by the size:
// size % 512 == 32.
import { createHash } from "node:crypto";

const PAGE = 4096;
const BOLT_MAGIC = 0xed0cdaed;
const HASH_BYTES = 32;

export type SnapshotHash = "valid" | "none" | "corrupt";

/** makeSnapshot wraps `data` like a snapshot; "none" is a copied data dir's db, "corrupt" a damaged file. */
export function makeSnapshot(data: Buffer | string, hash: SnapshotHash = "valid"): Buffer {
  const body = Buffer.from(data);
  const pages = Math.ceil(body.length / PAGE);
  const db = Buffer.alloc(PAGE + pages * PAGE);
  db.writeUInt32LE(BOLT_MAGIC, 16);
  db.writeUInt32LE(2, 20); // bbolt format version
  db.writeUInt32LE(PAGE, 24);
  db.writeBigUInt64LE(BigInt(body.length), 64);
  body.copy(db, PAGE);
  if (hash === "none") return db;
  const sum = createHash("sha256").update(db).digest();
  if (hash === "corrupt") sum[0] = (sum[0] ?? 0) ^ 0xff;
  return Buffer.concat([db, sum]);
}

export type RestoreResult =
  | { readonly ok: true; readonly data: Buffer }
  /** leftData: the data directory is no longer empty (a hash failure). */
  | { readonly ok: false; readonly message: string; readonly leftData: boolean };

/** restoreSnapshot: the pre-stage's verify, copy and hash check, with Talos's error wording. */
export function restoreSnapshot(file: Buffer, skipHashCheck: boolean): RestoreResult {
  if (file.length < PAGE || file.readUInt32LE(16) !== BOLT_MAGIC) {
    return { ok: false, message: "error verifying snapshot: invalid database", leftData: false };
  }
  const hasHash = file.length % 512 === HASH_BYTES;
  const db = hasHash ? file.subarray(0, file.length - HASH_BYTES) : file;
  const fail = (why: string): RestoreResult => ({ ok: false, message: `error recovering from the snapshot: ${why}`, leftData: true });
  if (!hasHash && !skipHashCheck) return fail("snapshot missing hash but --skip-hash-check=false");
  if (hasHash && !skipHashCheck) {
    const want = file.subarray(file.length - HASH_BYTES);
    const got = createHash("sha256").update(db).digest();
    if (!got.equals(want)) return fail(`expected sha256 [${[...want].join(" ")}], got [${[...got].join(" ")}]`);
  }
  const length = Number(db.readBigUInt64LE(64));
  if (length > db.length - PAGE) return { ok: false, message: "error recovering from the snapshot: database file is truncated", leftData: true };
  return { ok: true, data: Buffer.from(db.subarray(PAGE, PAGE + length)) };
}
