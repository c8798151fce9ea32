// The local ballot: the only durable state of the agent. A torn, lost or
// rolled-back write would make this node forget a promise, and a forgetful
// acceptor is the one thing the consent protocol cannot survive. So a save
//   1. checks that the bytes read back as this very ballot (pair assertion);
//   2. writes them to ballot.json.next, fsyncs it, fsyncs the directory;
//   3. renames it over ballot.json and fsyncs the directory again;
// and only then reports the write done. Peers read ballot.json alone, so
// nothing they can see was ever un-synced: the moment the new content
// becomes visible (the rename), it is already durable under the .next name.
// If power fails between the rename and the last fsync, the directory may
// come back with the old ballot.json and the complete .next beside it; the
// next load finishes that rename. A .next that does not decode was torn
// before it was ever renamed, so no one saw it: it is dropped.
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { Ballot, ClusterIdentity, Settings } from "../core/types.js";
import { sameCluster } from "../core/survey.js";
import { BALLOT_PATH, decodeBallot, encodeChecked } from "./codec.js";

/** What this machine is, as the shell established it at start. */
export interface LocalIdentity {
  /** Opaque binding to this machine (SHA-256 hex of node id, SMBIOS UUID…). */
  readonly machine: string;
  readonly cluster: ClusterIdentity;
}

export type LoadedBallot =
  | { readonly kind: "loaded"; readonly ballot: Ballot; readonly finishedWrite: boolean }
  /**
   * No usable ballot: none yet, or one bound to another machine (a copied
   * disk) or made for another cluster (a reused disk). Never used as ours:
   * a fresh ballot, not yet on disk, is a new acceptor.
   */
  | {
      readonly kind: "created";
      readonly ballot: Ballot;
      readonly replaced: "none" | "other-machine" | "other-cluster";
      /** The id of the file it replaces, which our apid serves until the fresh one is written. */
      readonly replacedId: string | null;
      readonly finishedWrite: boolean;
    };

const nextPath = (path: string): string => `${path}.next`;

/** loadBallot reads our ballot; a corrupt one is an error, never silently replaced. */
export async function loadBallot(local: LocalIdentity, settings: Settings, path = BALLOT_PATH): Promise<LoadedBallot> {
  const finishedWrite = await finishWrite(path);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    return { kind: "created", ballot: freshBallot(local, settings), replaced: "none", replacedId: null, finishedWrite };
  }
  let ballot: Ballot;
  try {
    ballot = decodeBallot(text);
  } catch (err) {
    throw new Error(`${path} is corrupt (${(err as Error).message}); refusing to vote without it`);
  }
  const replaced = (why: "other-machine" | "other-cluster"): LoadedBallot => ({ kind: "created", ballot: freshBallot(local, settings), replaced: why, replacedId: ballot.id, finishedWrite });
  if (ballot.machine !== local.machine) return replaced("other-machine");
  if (!sameCluster(ballot.cluster, local.cluster)) return replaced("other-cluster");
  return { kind: "loaded", ballot, finishedWrite };
}

export function freshBallot(local: LocalIdentity, settings: Settings): Ballot {
  return {
    version: 2,
    id: randomBytes(16).toString("hex"),
    machine: local.machine,
    cluster: local.cluster,
    settings,
    promised: null,
    accepted: null,
    proposal: null,
    bootstrapped: false,
    peers: {},
  };
}

/** saveBallot replaces the ballot durably; it resolves only once the write can no longer be lost. */
export async function saveBallot(ballot: Ballot, path = BALLOT_PATH): Promise<void> {
  await writeAtomic(path, encodeChecked(ballot));
}

/**
 * writeAtomic replaces a file in the ballot directory so that a reader (a
 * peer's MachineService/Read) sees the old or the new content, never a torn
 * one, and never content that a power loss could still take back: the new
 * bytes are durable under the .next name before the rename shows them.
 */
export async function writeAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const fh = await open(nextPath(path), "w", 0o644);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await syncDir(dir);
  await rename(nextPath(path), path);
  await syncDir(dir);
}

/**
 * finishWrite completes a save cut short between its rename and its last
 * fsync (or before the rename): a .next that decodes is the newest ballot.
 * Returns whether it found one.
 */
async function finishWrite(path: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(nextPath(path), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
  try {
    decodeBallot(text);
  } catch {
    // Torn before its fsync, so never renamed, so never read by anyone.
    await rm(nextPath(path), { force: true });
    await syncDir(dirname(path));
    return false;
  }
  await rename(nextPath(path), path);
  await syncDir(dirname(path));
  return true;
}

async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, "r");
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
