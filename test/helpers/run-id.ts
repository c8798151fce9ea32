// One id per test process names everything this process creates on the host
// (namespaces, loop backing files, mappers, temp dirs), so a later sweep can
// tell our leftovers from anything else, and a live run from a crashed one.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";

/** Every name we create starts with this, then 6 hex digits of the run id. */
export const PREFIX = "abt-";
export const RUN_NAME = /^abt-([0-9a-f]{6})(?:-|$)/;

/** Where each live run records its owner, so sweeps spare runs still going. */
export const RUNS_DIR = join(tmpdir(), "abt-runs");

export const runId: string = randomBytes(3).toString("hex");

/** name("h1") = "abt-1a2b3c-h1". */
export function runName(suffix: string): string {
  return `${PREFIX}${runId}-${suffix}`;
}

/** Kernel start time of a pid (field 22 of /proc/pid/stat), null when gone. */
export function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may hold spaces and parentheses: fields start after the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

let marked = false;

/** markRunAlive writes <RUNS_DIR>/<id> = "<pid> <starttime>" once per process. */
export function markRunAlive(): void {
  if (marked) return;
  mkdirSync(RUNS_DIR, { recursive: true });
  writeFileSync(join(RUNS_DIR, runId), `${process.pid} ${startTimeOf(process.pid) ?? "?"}\n`);
  marked = true;
  onExitLastResort(() => rmSync(join(RUNS_DIR, runId), { force: true }));
}

/** isRunAlive: the owner recorded for a run id still exists (same pid, same start). */
export function isRunAlive(id: string): boolean {
  if (id === runId) return true;
  try {
    const [pid, start] = readFileSync(join(RUNS_DIR, id), "utf8").trim().split(" ");
    return pid !== undefined && start !== undefined && startTimeOf(Number(pid)) === start;
  } catch {
    return false;
  }
}

// Last-resort teardown: when a test process dies without running afterAll,
// these synchronous undo steps still run from the "exit" event (newest first).
// A terminating signal (vitest ends its workers with SIGTERM) is turned into
// an exit, since by default a signal kills the process without that event.
const lastResort = new Map<number, () => void>();
let nextHook = 0;
let installed = false;

export function onExitLastResort(fn: () => void): () => void {
  if (!installed) {
    installed = true;
    process.on("exit", () => {
      for (const f of [...lastResort.values()].reverse()) {
        try {
          f();
        } catch {
          // Keep going: one failed undo must not strand the others.
        }
      }
    });
    for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
      process.once(sig, () => process.exit(128 + constants.signals[sig]));
    }
  }
  const id = nextHook++;
  lastResort.set(id, fn);
  return () => lastResort.delete(id);
}
