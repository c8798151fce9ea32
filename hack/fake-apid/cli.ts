// Runs one fake Talos node as its own process until SIGTERM or SIGINT: the
// network-namespace tests start one per namespace. Prints one JSON line
// {"event":"listening",...} on stdout once it accepts connections.
//   npx tsx hack/fake-apid/cli.ts --spec node.json
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { startFakeNode } from "./node.js";
import { parseSpecJson } from "./spec-json.js";

const SPEC_READ_DEADLINE_MS = 5_000;

/** Runs until `signal` aborts; resolves once the node has stopped. */
export async function runFakeNodeCli(argv: readonly string[], opts: { signal: AbortSignal; out: (line: string) => void }): Promise<void> {
  const at = argv.indexOf("--spec");
  const file = at >= 0 ? argv[at + 1] : undefined;
  if (file === undefined) throw new Error("usage: cli.ts --spec <node.json>");
  const text = await readFile(file, { encoding: "utf8", signal: AbortSignal.any([opts.signal, AbortSignal.timeout(SPEC_READ_DEADLINE_MS)]) });
  const node = await startFakeNode(parseSpecJson(text), { signal: opts.signal });
  opts.out(JSON.stringify({ event: "listening", address: node.address, port: node.port, pid: process.pid }));
  await new Promise<void>((resolve) => {
    if (opts.signal.aborted) return resolve();
    opts.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  await node.stop();
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const stop = new AbortController();
  process.once("SIGTERM", () => stop.abort());
  process.once("SIGINT", () => stop.abort());
  runFakeNodeCli(process.argv.slice(2), { signal: stop.signal, out: (line) => process.stdout.write(line + "\n") }).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`fake-apid: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
