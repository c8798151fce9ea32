// The real bundle (dist/autobootstrap.js) run as on Talos: in the test
// sandbox (private root, fixed paths, STATE on a loop device), optionally
// wrapped by GNU time or a shell that stamps the exec, and its log read back.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, sandboxState, spawnInSandbox, type SandboxProcess } from "../../test/helpers/sandbox.js";
import type { StateVolume } from "../../test/helpers/state-image.js";
import { within } from "../../test/helpers/deadline.js";

export const BUNDLE = join(REPO_ROOT, "dist/autobootstrap.js");
export const GNU_TIME = "/usr/bin/time";

export interface AgentLogLine {
  readonly msg: string;
  /** Unix ms from pino's isoTime. */
  readonly t: number;
  readonly fields: Readonly<Record<string, unknown>>;
}

export type Wrapper =
  /** node <bundle> */
  | { kind: "none" }
  /** GNU time prints "BENCH_TIME <maxrss KiB> <elapsed s> <user s> <sys s>" on exit. */
  | { kind: "time" }
  /** A shell prints "BENCH_EXEC <unix ns>" and execs node: the moment node starts. */
  | { kind: "stamp" };

export function agentArgv(wrapper: Wrapper, args: readonly string[], nodeFlags: readonly string[] = []): string[] {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} missing: run npm run build first`);
  const node = [process.execPath, ...nodeFlags, BUNDLE, ...args];
  switch (wrapper.kind) {
    case "none":
      return node;
    case "time":
      return [GNU_TIME, "-f", "BENCH_TIME %M %e %U %S", ...node];
    case "stamp":
      return ["/bin/sh", "-c", 'echo "BENCH_EXEC $(date +%s%N)"; exec "$@"', "sh", ...node];
    default: {
      const impossible: never = wrapper;
      throw new Error(`unknown wrapper ${JSON.stringify(impossible)}`);
    }
  }
}

export function startAgentIn(o: {
  readonly state: StateVolume;
  readonly varLibDir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly logFile: string;
  readonly wrapper: Wrapper;
  readonly args?: readonly string[];
  /** Flags for node itself, before the bundle (V8 heap sizing). */
  readonly nodeFlags?: readonly string[];
}): Promise<SandboxProcess> {
  return spawnInSandbox({
    state: sandboxState(o.state, "device"),
    varLibDir: o.varLibDir,
    env: o.env,
    argv: agentArgv(o.wrapper, o.args ?? [], o.nodeFlags ?? []),
    logFile: o.logFile,
  });
}

/** waitExit: the exit code, or throws with the log tail when it does not end in time. */
export async function waitExit(p: SandboxProcess, deadlineMs: number): Promise<number | null> {
  const exit = await within(p.exited, deadlineMs);
  if (exit === null) {
    await p.stop();
    throw new Error(`agent pid ${p.pid} still running after ${deadlineMs} ms:\n${tail(p.log())}`);
  }
  return exit.code;
}

export function readAgentLog(file: string): { lines: AgentLogLine[]; raw: string } {
  const raw = readFileSync(file, "utf8");
  const lines: AgentLogLine[] = [];
  for (const text of raw.split("\n")) {
    if (!text.startsWith("{")) continue;
    try {
      const { msg, time, ...fields } = JSON.parse(text) as Record<string, unknown>;
      lines.push({ msg: String(msg), t: Date.parse(String(time)), fields });
    } catch {
      // A line cut short at exit: not ours to judge here.
    }
  }
  return { lines, raw };
}

export function firstLine(lines: readonly AgentLogLine[], msg: string): AgentLogLine {
  const found = lines.find((l) => l.msg === msg);
  if (found === undefined) throw new Error(`no "${msg}" line in the agent log`);
  return found;
}

export interface GnuTime {
  readonly maxRssKiB: number;
  readonly elapsedS: number;
  readonly userS: number;
  readonly sysS: number;
}

export function parseGnuTime(raw: string): GnuTime {
  const m = /^BENCH_TIME (\d+) ([\d.]+) ([\d.]+) ([\d.]+)$/m.exec(raw);
  if (m === null) throw new Error(`no BENCH_TIME line:\n${tail(raw)}`);
  return { maxRssKiB: Number(m[1]), elapsedS: Number(m[2]), userS: Number(m[3]), sysS: Number(m[4]) };
}

/** parseExecStamp: Unix ms at which the shell exec'd node. */
export function parseExecStamp(raw: string): number {
  const m = /^BENCH_EXEC (\d+)$/m.exec(raw);
  if (m === null) throw new Error(`no BENCH_EXEC line:\n${tail(raw)}`);
  return Number(BigInt(m[1] as string) / 1000n) / 1000;
}

export function tail(text: string, lines = 30): string {
  return text.split("\n").slice(-lines).join("\n");
}
