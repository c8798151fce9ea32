// hack/status.sh against a stand-in talosctl that serves files from a
// directory per node (the real `talosctl read` streams the file to stdout);
// the Read path itself is covered against the fake apid in
// test/integration/recovery.spec.ts.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const STUB = `#!/bin/sh
while [ $# -gt 0 ]; do
  case "$1" in -n) node=$2; shift 2 ;; read) path=$2; shift 2 ;; *) echo "$1" >> "$STUB_ROOT/flags"; shift ;; esac
done
f="$STUB_ROOT/$node$path"
[ -f "$f" ] || { echo "rpc error: code = Unavailable desc = connection refused" >&2; exit 1; }
cat "$f"
`;

let root = "";
const put = (node: string, body: string) => {
  const dir = join(root, node, "var/lib/autobootstrap");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "status.json"), body);
};
const run = (...args: string[]) =>
  execFileSync("bash", ["hack/status.sh", ...args], { env: { ...process.env, STUB_ROOT: root, TALOSCTL: join(root, "talosctl") }, encoding: "utf8" });

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "status-sh-"));
  writeFileSync(join(root, "talosctl"), STUB);
  chmodSync(join(root, "talosctl"), 0o755);
  put("10.0.0.2", JSON.stringify({ version: 1, node: "10.0.0.2", phase: "nominee", why: "following nominee 10.0.0.3: waiting for its etcd to run", peers: { scan: 2, static: 0 }, quorum: { seen: 3, needed: 2 }, nominee: { id: "a".repeat(32), address: "10.0.0.3" }, recovery: null, lastError: null, updated: "2026-01-01T00:00:00.000Z" }));
  put("10.0.0.3", JSON.stringify({ version: 1, node: "10.0.0.3", phase: "bootstrapping", why: "nominated: restoring etcd", peers: { scan: 2 }, quorum: { seen: 3, needed: 2 }, nominee: { id: "a".repeat(32), address: "10.0.0.3" }, recovery: "https://b.example/s.db", lastError: "download failed\n(ECONNREFUSED)", updated: "2026-01-01T00:00:01.000Z" }));
  put("10.0.0.5", "not json");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("hack/status.sh", () => {
  it("prints one aligned row per node, with the nominee, quorum, peers by source and the last error", () => {
    const out = run("--talosconfig", "/tmp/tc", "10.0.0.2,10.0.0.3", "-n", "10.0.0.4", "10.0.0.5").trimEnd().split("\n");
    expect(out).toHaveLength(5);
    expect(out[0]).toMatch(/^NODE\s+PHASE\s+QUORUM\s+NOMINEE\s+PEERS\s+UPDATED\s+WHY$/);
    expect(out[1]).toMatch(/^10\.0\.0\.2\s+nominee\s+3\/2\s+10\.0\.0\.3\s+scan=2,static=0\s+2026-01-01T00:00:00.000Z\s+following nominee/);
    expect(out[2]).toContain("(last error: download failed (ECONNREFUSED))");
    expect(out[3]).toMatch(/^10\.0\.0\.4\s+unreadable\s.*connection refused$/);
    expect(out[4]).toMatch(/^10\.0\.0\.5\s+unreadable/);
    // Columns line up: PHASE starts at the same offset on every row.
    const at = (out[0] as string).indexOf("PHASE");
    for (const line of out.slice(1)) expect(line.slice(at - 2, at)).toBe("  ");
  });

  it("passes talosctl's connection flags through", () => {
    run("--talosconfig", "/tmp/tc", "--context=prod", "10.0.0.2");
    expect(execFileSync("cat", [join(root, "flags")], { encoding: "utf8" })).toMatch(/--talosconfig\n\/tmp\/tc\n--context=prod/);
  });

  it("needs at least one node", () => {
    expect(() => execFileSync("bash", ["hack/status.sh"], { stdio: "pipe" })).toThrow();
  });
});
