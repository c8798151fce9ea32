// A scenario's end: stop everything, and when the test failed keep the work
// dir and print each host's agent log and fake-apid call log.
import { readFileSync } from "node:fs";
import type { Scenario } from "./scenario.js";

const TAIL_LINES = 200;

function tail(file: string): string {
  try {
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    return (lines.length > TAIL_LINES ? [`… ${lines.length - TAIL_LINES} lines omitted`] : [])
      .concat(lines.slice(-TAIL_LINES))
      .join("\n");
  } catch {
    return "(none)";
  }
}

/** report: every node's logs, for a failure message. */
export function report(s: Scenario): string {
  const parts = [`scenario work dir: ${s.work.path}`];
  for (const n of s.nodes) {
    const exit = n.agent?.exitStatus();
    parts.push(
      `──── ${n.spec.name} ${n.host.address} (${n.spec.machineType}, ${n.spec.talosVersion}) agent exit ${JSON.stringify(exit ?? null)}`,
      `agent log:\n${tail(n.agentLog)}`,
    );
    n.fakeAddresses.forEach((address, i) => {
      const at = n.fakeAddresses.length > 1 ? ` on ${address}` : "";
      parts.push(`fake-apid calls${at}:\n${tail(n.callLogs[i]!)}`, `fake-apid output${at}:\n${tail(n.fakeLogs[i]!)}`);
    });
  }
  return parts.join("\n");
}

/** teardownScenario is idempotent in its parts; with failed the logs are kept (and printed unless print is false). */
export async function teardownScenario(s: Scenario, opts: { failed: boolean; print?: boolean }): Promise<void> {
  if (opts.failed && opts.print !== false) console.error(report(s));
  await Promise.allSettled(s.nodes.map((n) => n.agent?.stop() ?? Promise.resolve()));
  await s.net.teardown();
  for (const n of s.nodes) await n.state.teardown();
  if (!opts.failed) s.work.remove();
}
