// Static guards for the promises the README makes: no TLS verification
// turned off, no filesystem mounted, no key material written or logged by
// the agent. Cheap to run, and they fail loudly if someone adds one.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

const SRC = sources("src").map((path) => ({ path, text: readFileSync(path, "utf8") }));

describe("the agent's source", () => {
  it("never turns TLS verification off", () => {
    for (const { path, text } of SRC) {
      expect(text, path).not.toMatch(/rejectUnauthorized\s*:\s*false/);
      expect(text, path).not.toMatch(/NODE_TLS_REJECT_UNAUTHORIZED/);
      expect(text, path).not.toMatch(/checkServerIdentity\s*[:=]\s*\(\s*\)\s*=>/);
      expect(text, path).not.toMatch(/createInsecure\s*\(/);
    }
  });

  it("never mounts a filesystem", () => {
    for (const { path, text } of SRC) {
      expect(text, path).not.toMatch(/["'`](u?mount|losetup|cryptsetup)["'`\s]/);
      expect(text, path).not.toMatch(/node:child_process|from "child_process"/);
    }
  });

  it("writes files only in the ballot store and the recovery spool (both in the ballot directory)", () => {
    const writers = SRC.filter(({ text }) => /\b(writeFile|appendFile|createWriteStream|open\([^)]*["']w)/.test(text)).map((s) => s.path);
    expect(writers.sort()).toEqual(["src/ballots/store.ts", "src/recovery/snapshot.ts"]);
  });
});
