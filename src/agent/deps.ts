// The shell's edges to the machine, as one object: run() takes it as a
// parameter with these production defaults, so tests drive the real loop with
// a scripted Talos, an in-memory ballot store and a virtual clock.
import { readBallotMount, type BallotMountVerdict } from "../ballots/mount-check.js";
import { BALLOT_DIR } from "../ballots/codec.js";
import { writeStatusFile } from "../ballots/status-file.js";
import { loadBallot, saveBallot, type LoadedBallot, type LocalIdentity } from "../ballots/store.js";
import type { Config } from "../config/env.js";
import type { Ballot, Settings } from "../core/types.js";
import type { MachineCa } from "../credentials/ca.js";
import { readKernelCmdline } from "../credentials/cmdline.js";
import { loadCredentials, type Credentials } from "../credentials/state.js";
import { localNetwork, type LocalNetwork } from "../discovery/interfaces.js";
import type { RecoveryConfig } from "../config/recovery.js";
import type { Logger } from "../log.js";
import { discard, prepareSnapshot, readVerified, removeSpool, type ReadySnapshot } from "../recovery/snapshot.js";
import { readProductUuid } from "./machine-binding.js";
import type { TalosPort } from "./port.js";
import { sleep } from "./sleep.js";
import { createTalosPort } from "./talos-port.js";

export interface RunDeps {
  /** config.yaml from STATE: machine type and, on control planes, the CA. */
  readonly loadCredentials: (signal: AbortSignal) => Promise<Credentials>;
  /** /proc/cmdline: Omni's boot media name a SideroLink API there. */
  readonly kernelCmdline: () => Promise<string>;
  /** What holds the ballot directory (/proc/self/mountinfo), judged: votes need a disk. */
  readonly ballotMount: () => Promise<BallotMountVerdict>;
  /** This node's interface addresses and prefixes, read afresh each call. */
  readonly localNetwork: () => LocalNetwork;
  readonly talosPort: (ca: MachineCa, config: Config, log: Logger) => TalosPort;
  /** Our ballot if it is bound to this machine and cluster, else a fresh one (not yet on disk). */
  readonly loadBallot: (local: LocalIdentity, settings: Settings) => Promise<LoadedBallot>;
  /** The SMBIOS UUID (/sys/class/dmi/id/product_uuid), or null when the machine has none. */
  readonly productUuid: () => Promise<string | null>;
  /** Atomic and durable: resolves only once the ballot is on disk. */
  readonly saveBallot: (ballot: Ballot) => Promise<void>;
  /** Replaces status.json beside the ballot, atomically (what and when: agent/status.ts). */
  readonly writeStatus: (text: string) => Promise<void>;
  /** An armed recovery's snapshot (recovery/snapshot.ts): its spool lives in the ballot directory. */
  readonly snapshots: SnapshotEdges;
  /** Resolves true after ms, false as soon as the signal aborts. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<boolean>;
  /** Monotonic milliseconds: the core's clock (a wall-clock step must not move it). */
  readonly now: () => number;
  /** In [0, 1): backoff jitter only. */
  readonly random: () => number;
}

export interface SnapshotEdges {
  /** Download or read, then check size and SHA-256; throws SnapshotError. */
  readonly prepare: (r: RecoveryConfig, signal: AbortSignal, log: Logger) => Promise<ReadySnapshot>;
  /** The verified bytes again, for the upload; fails at the end if they changed. */
  readonly read: (s: ReadySnapshot, signal: AbortSignal, log: Logger) => AsyncIterable<Buffer>;
  readonly discard: (s: ReadySnapshot) => Promise<void>;
  /** Removes a spool an earlier run left (at every start). */
  readonly clearSpool: () => Promise<void>;
}

export const productionDeps: RunDeps = {
  loadCredentials: (signal) => loadCredentials({ signal }),
  kernelCmdline: () => readKernelCmdline(),
  ballotMount: () => readBallotMount(),
  localNetwork: () => localNetwork(),
  talosPort: createTalosPort,
  loadBallot: (local, settings) => loadBallot(local, settings),
  productUuid: () => readProductUuid(),
  saveBallot: (ballot) => saveBallot(ballot),
  writeStatus: (text) => writeStatusFile(text),
  snapshots: {
    prepare: (r, signal, log) => prepareSnapshot(r, { spoolDir: BALLOT_DIR, signal, log }),
    read: (s, signal, log) => readVerified(s, { signal, log }),
    discard,
    clearSpool: () => removeSpool(BALLOT_DIR),
  },
  sleep,
  now: () => performance.now(),
  random: () => Math.random(),
};
