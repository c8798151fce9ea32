// Running host tools (ip, losetup, mkfs.xfs, cryptsetup…) from test helpers.
// Every call has a deadline: a wedged tool must fail the test, not hang it.
import { execFile, spawnSync } from "node:child_process";

export const TOOL_DEADLINE_MS = 60_000;

export interface CmdResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CmdOptions {
  /** Written to the tool's stdin (a passphrase, a protofile…). */
  readonly input?: string | Buffer;
  readonly timeoutMs?: number;
}

/** run never throws for a non-zero exit: the caller decides what failure means. */
export function run(argv: readonly string[], opts: CmdOptions = {}): Promise<CmdResult> {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error("run: empty argv");
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { timeout: opts.timeoutMs ?? TOOL_DEADLINE_MS, killSignal: "SIGKILL", maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: unknown; signal?: NodeJS.Signals }) | null;
        if (e !== null && typeof e.code === "string") return reject(new Error(`${file}: ${e.message}`));
        const code = e === null ? 0 : typeof e.code === "number" ? e.code : null;
        resolve({ code, signal: e?.signal ?? null, stdout, stderr });
      },
    );
    // A tool that exits without reading its stdin must not turn into EPIPE here.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(opts.input ?? "");
  });
}

/** runOk throws with the tool's stderr when it fails. */
export async function runOk(argv: readonly string[], opts: CmdOptions = {}): Promise<string> {
  const r = await run(argv, opts);
  if (r.code !== 0) {
    const how = r.signal !== null ? `signal ${r.signal}` : `exit ${r.code}`;
    throw new Error(`${argv.join(" ")}: ${how}: ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r.stdout;
}

/** runSync is for process-exit hooks, where nothing asynchronous runs any more. */
export function runSync(argv: readonly string[]): number | null {
  const [file, ...args] = argv;
  if (file === undefined) return null;
  return spawnSync(file, args, { stdio: "ignore", timeout: 10_000, killSignal: "SIGKILL" }).status;
}
