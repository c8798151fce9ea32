import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeNode } from "../../../hack/fake-apid/node.js";
import { makeClientCert, makeClusterCa } from "../../../hack/fake-apid/pki.js";
import { cleanups, codeOf, dial, status, tempDir } from "./helpers.js";

const after = cleanups();
afterEach(() => after.run());

/** Starts cli.ts as its own process and waits for its "listening" line. */
async function spawnCli(specFile: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", "hack/fake-apid/cli.ts", "--spec", specFile], { stdio: ["ignore", "pipe", "inherit"] });
  after.add(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, "SIGKILL");
  });
  // The deadline closes the reader, which ends the loop below.
  const lines = createInterface({ input: child.stdout!, signal: AbortSignal.timeout(20_000) });
  for await (const line of lines) {
    const event = JSON.parse(line) as { event: string; port: number };
    if (event.event === "listening") return { child, port: event.port };
  }
  throw new Error("cli exited (or took too long) before listening");
}

describe("cli.ts", () => {
  it("runs one fake node from a JSON spec until SIGTERM", { timeout: 30_000 }, async () => {
    const dir = await tempDir("fake-apid-cli-");
    after.add(() => dir.remove());
    const ca = await makeClusterCa("ecdsa");
    const specFile = join(dir.path, "node.json");
    const logFile = join(dir.path, "calls.jsonl");
    const spec = { address: "127.0.0.71", port: 0, ca, machineType: "worker", bootTime: "1700000000", talosVersion: "v1.13", worldDir: join(dir.path, "world"), logFile };
    await writeFile(specFile, JSON.stringify(spec));

    const { child, port } = await spawnCli(specFile);
    const client = dial("machine", "127.0.0.71", port, ca.certPem, await makeClientCert(ca, ["os:reader"]));
    after.add(() => client.close());
    const stat = await client.unary("SystemStat", {});
    expect((stat["messages"] as { boot_time: string }[])[0]?.boot_time).toBe("1700000000");

    const exited = once(child, "exit");
    child.kill("SIGTERM");
    expect(await exited).toEqual([0, null]);
    const logged = (await readFile(logFile, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { method: string; code: number });
    expect(logged).toMatchObject([{ method: "/machine.MachineService/SystemStat", code: status.OK }]);
  });
});

describe("startFakeNode() with hang", () => {
  it("accepts the connection but never answers, so the client's deadline fires", async () => {
    const dir = await tempDir("fake-apid-hang-");
    after.add(() => dir.remove());
    const ca = await makeClusterCa("ed25519");
    const node = await startFakeNode(
      { address: "127.0.0.72", port: 0, ca, machineType: "controlplane", bootTime: 1n, talosVersion: "v1.14", worldDir: dir.path, hang: true },
      { signal: new AbortController().signal },
    );
    after.add(() => node.stop());
    const client = dial("machine", node.address, node.port, ca.certPem, await makeClientCert(ca, ["os:admin"]), 300);
    after.add(() => client.close());
    expect(await codeOf(client.unary("Version", {}))).toBe(status.DEADLINE_EXCEEDED);
  });
});
