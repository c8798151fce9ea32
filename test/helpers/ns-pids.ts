// Processes still inside one of OUR namespaces when it is torn down (a
// sandbox a failed test left behind). They were started by this suite, since
// nobody else enters these namespaces; they are killed by pid.
import { execFileSync } from "node:child_process";
import { run } from "./cmd.js";
import { waitFor } from "./deadline.js";

const GONE_DEADLINE_MS = 10_000;

function parsePids(out: string): number[] {
  return out.split(/\s+/).filter((s) => /^\d+$/.test(s)).map(Number).filter((p) => p !== process.pid);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

export async function namespacePids(ns: string): Promise<number[]> {
  const r = await run(["ip", "netns", "pids", ns]);
  return r.code === 0 ? parsePids(r.stdout) : [];
}

/** killNamespacePids SIGKILLs every process in ns and waits (with a deadline) until none is left. */
export async function killNamespacePids(ns: string): Promise<void> {
  for (const pid of await namespacePids(ns)) killQuietly(pid);
  await waitFor(`processes in ${ns} to exit`, async () => ((await namespacePids(ns)).length === 0 ? true : undefined), {
    timeoutMs: GONE_DEADLINE_MS,
  });
}

export function killNamespacePidsSync(ns: string): void {
  try {
    const out = execFileSync("ip", ["netns", "pids", ns], { encoding: "utf8", timeout: 5_000 });
    for (const pid of parsePids(out)) killQuietly(pid);
  } catch {
    // The namespace is already gone.
  }
}
