// A process a test started: its pid, its exit as a promise, its log file, and
// a stop that escalates with a deadline. Stopping goes by pid only.
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { within } from "./deadline.js";
import { onExitLastResort } from "./run-id.js";

export const STOP_GRACE_MS = 5_000;
const KILL_DEADLINE_MS = 5_000;

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly pid: number;
  readonly logFile: string;
  /** Resolves when the process exits; never rejects. */
  readonly exited: Promise<Exit>;
  /** Current exit status, null while it runs. */
  exitStatus(): Exit | null;
  /** Send a signal if it still runs (default SIGTERM). */
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, wait up to graceMs, then SIGKILL; resolves with the exit. Idempotent. */
  stop(graceMs?: number): Promise<Exit>;
  /** stdout and stderr so far. */
  log(): string;
}

export interface StartOptions {
  /** stdout + stderr are appended here. */
  readonly logFile: string;
  /** The child's whole environment (nothing is inherited). */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

/** startProcess spawns argv directly (no shell) and registers a kill-on-exit hook. */
export function startProcess(argv: readonly string[], opts: StartOptions): Promise<ManagedProcess> {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error("startProcess: empty argv");
  const fd = openSync(opts.logFile, "a");
  const child = spawn(file, args, {
    stdio: ["ignore", fd, fd],
    env: { ...(opts.env ?? { PATH: process.env["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin" }) },
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
  });
  closeSync(fd);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("spawn", () => {
      const pid = child.pid;
      if (pid === undefined) return reject(new Error(`${file}: no pid`));
      let status: Exit | null = null;
      const exited = new Promise<Exit>((res) =>
        child.once("exit", (code, signal) => res((status = { code, signal }))),
      );
      const forget = onExitLastResort(() => {
        if (status === null) process.kill(pid, "SIGKILL");
      });
      void exited.then(forget);
      const kill = (signal: NodeJS.Signals = "SIGTERM") => {
        if (status === null) child.kill(signal);
      };
      let stopping: Promise<Exit> | null = null;
      const stop = (graceMs = STOP_GRACE_MS) =>
        (stopping ??= (async () => {
          kill("SIGTERM");
          const graceful = await within(exited, graceMs);
          if (graceful !== null) return graceful;
          kill("SIGKILL");
          const killed = await within(exited, KILL_DEADLINE_MS);
          if (killed === null) throw new Error(`pid ${pid} survived SIGKILL for ${KILL_DEADLINE_MS} ms`);
          return killed;
        })());
      const log = () => {
        try {
          return readFileSync(opts.logFile, "utf8");
        } catch {
          return "";
        }
      };
      resolve({ pid, logFile: opts.logFile, exited, exitStatus: () => status, kill, stop, log });
    });
  });
}
