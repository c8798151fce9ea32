// The local ballot: the only durable state of the agent. It is written
// atomically (temp file, fsync, rename, fsync of the directory) because a
// torn or lost write would make this node forget a promise, and a forgetful
// acceptor is the one thing the consent protocol cannot survive.
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";
import type { Ballot } from "../core/types.js";
import { BALLOT_PATH, decodeBallot, encodeBallot } from "./codec.js";

export type LoadedBallot =
  | { kind: "loaded"; ballot: Ballot }
  /** No ballot yet, or one of another cluster (this disk was reused): a fresh one. */
  | { kind: "created"; ballot: Ballot; replaced: string | null };

/** loadBallot reads our ballot; a corrupt one is an error, never silently replaced. */
export async function loadBallot(cluster: string, path = BALLOT_PATH): Promise<LoadedBallot> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    return { kind: "created", ballot: freshBallot(cluster), replaced: null };
  }
  let ballot: Ballot;
  try {
    ballot = decodeBallot(text);
  } catch (err) {
    throw new Error(`${path} is corrupt (${(err as Error).message}); refusing to vote without it`);
  }
  if (ballot.cluster !== cluster) return { kind: "created", ballot: freshBallot(cluster), replaced: ballot.cluster };
  return { kind: "loaded", ballot };
}

export function freshBallot(cluster: string): Ballot {
  return { version: 1, id: randomBytes(16).toString("hex"), cluster, promised: null, accepted: null, proposal: null };
}

/** saveBallot replaces the ballot atomically and durably. */
export async function saveBallot(ballot: Ballot, path = BALLOT_PATH): Promise<void> {
  await writeAtomic(path, encodeBallot(ballot));
}

/**
 * writeAtomic replaces a file in the ballot directory so that a reader (a
 * peer's MachineService/Read) sees the old or the new content, never a torn
 * one, and the new content survives a crash once this resolves.
 */
export async function writeAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, "w", 0o644);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  const d = await open(dir, "r");
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
