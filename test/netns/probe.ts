// Runs fixtures/probe.mjs in a sandbox and returns what it reported.
import { join } from "node:path";
import { within } from "../helpers/deadline.js";
import { REPO_ROOT, spawnInSandbox, type SandboxState } from "../helpers/sandbox.js";

const PROBE = join(REPO_ROOT, "test/netns/fixtures/probe.mjs");
const PROBE_DEADLINE_MS = 60_000;

export interface ProbeRequest {
  readonly ifaces?: boolean;
  readonly env?: boolean;
  /** The node running the probe: its path and version. */
  readonly self?: boolean;
  readonly connect?: readonly { host: string; port: number; timeoutMs: number }[];
  readonly stat?: readonly string[];
  readonly head?: readonly { path: string; n: number }[];
  readonly readdir?: readonly string[];
  readonly read?: readonly string[];
  readonly write?: readonly { path: string; content: string }[];
}

type Maybe<T> = T | { error: string };

export interface ProbeReport {
  ifaces?: Record<string, { address: string; family: string; cidr: string | null }[]>;
  env?: Record<string, string>;
  self?: { execPath: string; version: string };
  connect?: { host: string; port: number; outcome: string }[];
  stat?: Record<string, Maybe<{ blockDevice: boolean; size: number }>>;
  head?: Record<string, Maybe<string>>;
  readdir?: Record<string, Maybe<string[]>>;
  read?: Record<string, Maybe<string>>;
  write?: Record<string, Maybe<"ok">>;
}

export interface ProbeContext {
  readonly netns?: string;
  readonly state: SandboxState;
  readonly varLibDir: string;
  readonly env?: Record<string, string>;
  /** Where the sandbox log goes (kept for failure messages). */
  readonly logDir: string;
}

let probes = 0;

/** probe fails with the sandbox log when the probe does not report. */
export async function probe(ctx: ProbeContext, req: ProbeRequest): Promise<ProbeReport> {
  const logFile = join(ctx.logDir, `probe${probes++}.log`);
  const p = await spawnInSandbox({
    ...(ctx.netns !== undefined ? { netns: ctx.netns } : {}),
    state: ctx.state,
    varLibDir: ctx.varLibDir,
    env: ctx.env ?? {},
    argv: [process.execPath, PROBE, JSON.stringify(req)],
    logFile,
  });
  const exit = await within(p.exited, PROBE_DEADLINE_MS);
  if (exit === null) await p.stop();
  const line = p.log().split("\n").find((l) => l.startsWith("PROBE "));
  if (exit?.code !== 0 || line === undefined) {
    throw new Error(`probe failed (exit ${JSON.stringify(exit)}):\n${p.log()}`);
  }
  return JSON.parse(line.slice("PROBE ".length)) as ProbeReport;
}

/** probeInNs runs the probe in a namespace without the sandbox (plain ip netns exec). */
export async function probeInNs(
  exec: (argv: readonly string[]) => Promise<{ code: number | null; stdout: string; stderr: string }>,
  req: ProbeRequest,
): Promise<ProbeReport> {
  const r = await exec([process.execPath, PROBE, JSON.stringify(req)]);
  const line = r.stdout.split("\n").find((l) => l.startsWith("PROBE "));
  if (r.code !== 0 || line === undefined) throw new Error(`probe failed (exit ${r.code}): ${r.stderr}`);
  return JSON.parse(line.slice("PROBE ".length)) as ProbeReport;
}
