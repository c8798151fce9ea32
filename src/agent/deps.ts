// The shell's edges to the machine, as one object: run() takes it as a
// parameter with these production defaults, so tests drive the real loop with
// a scripted Talos, an in-memory ballot store and a virtual clock.
import { readBallotMount, type BallotMountVerdict } from "../ballots/mount-check.js";
import { loadBallot, saveBallot, type LoadedBallot } from "../ballots/store.js";
import type { Config } from "../config/env.js";
import type { Ballot } from "../core/types.js";
import type { MachineCa } from "../credentials/ca.js";
import { readKernelCmdline } from "../credentials/cmdline.js";
import { loadCredentials, type Credentials } from "../credentials/state.js";
import { localNetwork, type LocalNetwork } from "../discovery/interfaces.js";
import type { Logger } from "../log.js";
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
  readonly loadBallot: (cluster: string) => Promise<LoadedBallot>;
  /** Atomic and durable: resolves only once the ballot is on disk. */
  readonly saveBallot: (ballot: Ballot) => Promise<void>;
  /** Resolves true after ms, false as soon as the signal aborts. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<boolean>;
  /** Monotonic milliseconds: the core's clock (a wall-clock step must not move it). */
  readonly now: () => number;
  /** In [0, 1): backoff jitter only. */
  readonly random: () => number;
}

export const productionDeps: RunDeps = {
  loadCredentials: (signal) => loadCredentials({ signal }),
  kernelCmdline: () => readKernelCmdline(),
  ballotMount: () => readBallotMount(),
  localNetwork: () => localNetwork(),
  talosPort: createTalosPort,
  loadBallot: (cluster) => loadBallot(cluster),
  saveBallot: (ballot) => saveBallot(ballot),
  sleep,
  now: () => performance.now(),
  random: () => Math.random(),
};
