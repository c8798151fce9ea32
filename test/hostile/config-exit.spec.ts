// Exit code 2 and exactly one line for every configuration error, made by the
// real bundle before it touches anything: no STATE, no network, no stack.
// Runs without root: the agent stops at its first check.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../helpers/cmd.js";
import { REPO_ROOT } from "../helpers/sandbox.js";
import { BUNDLE } from "./cluster.js";

const P = "TALOS_AUTO_BOOTSTRAP_";

/** The bundle with exactly `env` (nothing inherited). */
async function agent(env: Record<string, string>) {
  const bundle = resolve(REPO_ROOT, BUNDLE);
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npm run build first`);
  const vars = Object.entries({ PATH: "/usr/sbin:/usr/bin:/sbin:/bin", ...env }).map(([k, v]) => `${k}=${v}`);
  return run(["/usr/bin/env", "-i", ...vars, process.execPath, bundle], { timeoutMs: 30_000 });
}

/** Asserts one JSON line "configuration refused" naming `variable`, and returns its message. */
function refused(r: { code: number | null; stdout: string; stderr: string }, variable: string): string {
  expect(r.code, r.stdout + r.stderr).toBe(2);
  expect(r.stderr).toBe("");
  const lines = r.stdout.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  const line = JSON.parse(lines[0] ?? "") as { level: string; msg: string; err: string };
  expect([line.level, line.msg]).toEqual(["fatal", "configuration refused"]);
  expect(line.err).toContain(`${P}${variable}`);
  expect(line.err).not.toMatch(/\n|\s+at /);
  return line.err;
}

describe("the agent refuses a bad configuration with exit 2 and one line", () => {
  const durations: [string, string][] = [
    ["SCAN_INTERVAL", "1000h"],
    ["FOLLOWER_CHECK_INTERVAL", "600h"],
    ["PRE_BOOTSTRAP_DELAY", "2h"],
    ["MAX_BACKOFF", "600000h"],
    ["SCAN_TIMEOUT", "1h"],
    ["CONSENT_INTERVAL", "1h"],
  ];
  for (const [name, value] of durations) {
    it(`refuses ${name}=${value}, out of range`, async () => {
      refused(await agent({ [`${P}${name}`]: value }), name);
    });
  }

  it("refuses a malformed SCAN_CIDR at start, with no stack", async () => {
    expect(refused(await agent({ [`${P}SCAN_CIDR`]: "10.0.0.0/24,10.0.0.0/33" }), "SCAN_CIDR")).toMatch(/invalid prefix "10.0.0.0\/33"/);
  });

  it("refuses a malformed PEERS or NODE_ADDRESS at start", async () => {
    refused(await agent({ [`${P}PEERS`]: "10.0.0.1,not-an-address" }), "PEERS");
    refused(await agent({ [`${P}NODE_ADDRESS`]: "10.0.0.256" }), "NODE_ADDRESS");
  });

  it("names every bad variable in its one line", async () => {
    const err = refused(await agent({ [`${P}SCAN_INTERVAL`]: "soon", [`${P}SCAN_CONCURRENCY`]: "0" }), "SCAN_INTERVAL");
    expect(err).toContain(`${P}SCAN_CONCURRENCY`);
  });
});

describe("issue 14's variables, checked before anything else", () => {
  it("refuses a half-armed recovery: a source without its checksum, a checksum without a source", async () => {
    expect(refused(await agent({ [`${P}RECOVER_FROM`]: "https://backup.example/snap.db" }), "RECOVER_SHA256")).toMatch(/required when/);
    expect(refused(await agent({ [`${P}RECOVER_SHA256`]: "a".repeat(64) }), "RECOVER_FROM")).toMatch(/without/);
    refused(await agent({ [`${P}RECOVER_FROM`]: "ftp://backup.example/snap.db", [`${P}RECOVER_SHA256`]: "a".repeat(64) }), "RECOVER_FROM");
  });

  it("the off switch: one line and exit 0, whatever else is wrong; a value that is not a boolean is exit 2", async () => {
    const off = await agent({ [`${P}DISABLED`]: "true", [`${P}SCAN_INTERVAL`]: "soon", [`${P}RECOVER_FROM`]: "ftp://x" });
    expect(off.code, off.stdout + off.stderr).toBe(0);
    const lines = off.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({ level: "info", msg: "disabled: nothing to do" });
    refused(await agent({ [`${P}DISABLED`]: "please" }), "DISABLED");
  });
});
