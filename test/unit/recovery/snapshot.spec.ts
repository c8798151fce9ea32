import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RecoveryConfig } from "../../../src/config/recovery.js";
import { createLogger } from "../../../src/log.js";
import { SnapshotError } from "../../../src/recovery/errors.js";
import { nextHop } from "../../../src/recovery/http-get.js";
import { discard, prepareSnapshot, readVerified, removeSpool, SPOOL_NAME } from "../../../src/recovery/snapshot.js";
import { closedPort, startSnapshotServer, type SnapshotServer } from "../../helpers/snapshot-server.js";

const BODY = Buffer.from("etcd snapshot bytes ".repeat(5000));
const SUM = createHash("sha256").update(BODY).digest("hex");

let dir = "";
let server: SnapshotServer | null = null;
let lines: Record<string, unknown>[] = [];
const log = createLogger("info", { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
const signal = new AbortController().signal;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "recover-"));
  lines = [];
});
afterEach(async () => {
  await server?.close();
  server = null;
  rmSync(dir, { recursive: true, force: true });
});

const armed = (url: string, sha256 = SUM): RecoveryConfig => ({ source: { kind: "url", url }, sha256, skipHashCheck: false });
const prepare = (r: RecoveryConfig, extra: { maxBytes?: number; progressEveryMs?: number } = {}) =>
  prepareSnapshot(r, { spoolDir: dir, signal, log, ...extra });

async function failure(p: Promise<unknown>): Promise<SnapshotError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(SnapshotError);
  return err as SnapshotError;
}

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of it) out.push(c);
  return Buffer.concat(out);
}

describe("prepareSnapshot() from a URL", () => {
  it("downloads into the spool, verifies the SHA-256, and says so in the log", async () => {
    server = await startSnapshotServer({ body: BODY });
    const s = await prepare(armed(server.url), { progressEveryMs: 0 });
    expect(s).toMatchObject({ path: join(dir, SPOOL_NAME), bytes: BODY.length, sha256: SUM, spooled: true });
    expect(await collect(readVerified(s, { signal, log }))).toEqual(BODY);
    const messages = lines.map((l) => l.msg);
    expect(messages).toContain("recovery: downloading snapshot");
    expect(messages).toContain("recovery: download progress");
    expect(messages).toContain("recovery: snapshot verified");
    await discard(s);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("follows a redirect, and downloads a body of unannounced length", async () => {
    server = await startSnapshotServer({ body: BODY, noLength: true });
    const s = await prepare(armed(`${server.origin}/redirect`));
    expect(s.sha256).toBe(SUM);
    expect(server.requests).toEqual(["/redirect", "/snap.db"]);
  });

  it("refuses a wrong checksum and keeps nothing on disk", async () => {
    server = await startSnapshotServer({ body: BODY });
    const err = await failure(prepare(armed(server.url, "0".repeat(64))));
    expect(err.kind).toBe("checksum");
    expect(err.message).toContain(SUM);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("refuses a snapshot above the limit, announced or not", async () => {
    server = await startSnapshotServer({ body: BODY });
    expect((await failure(prepare(armed(server.url), { maxBytes: 1000 }))).kind).toBe("too-large");
    await server.close();
    server = await startSnapshotServer({ body: BODY, noLength: true });
    expect((await failure(prepare(armed(server.url), { maxBytes: 1000 }))).kind).toBe("too-large");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("fails clearly on a closed port, an HTTP error and a short body", async () => {
    const port = await closedPort();
    const refused = await failure(prepare(armed(`http://127.0.0.1:${port}/snap.db`)));
    expect(refused.kind).toBe("download");
    expect(refused.message).toMatch(/ECONNREFUSED/);
    server = await startSnapshotServer({ body: BODY, status: 404 });
    expect((await failure(prepare(armed(server.url)))).message).toMatch(/HTTP 404/);
    await server.close();
    server = await startSnapshotServer({ body: BODY, announceLength: BODY.length + 10 });
    expect((await failure(prepare(armed(server.url)))).kind).toBe("download");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("verifies https servers: a certificate from an unknown CA fails the download", async () => {
    server = await startSnapshotServer({ body: BODY, tls: true });
    const err = await failure(prepare(armed(server.url)));
    expect(err.kind).toBe("download");
    expect(err.message).toMatch(/certificate/i);
    expect(server.requests).toEqual([]);
  });

  it("follows redirects, but never from https down to http, nor to another scheme", () => {
    const at = new URL("https://store.example/a/snap.db");
    expect(nextHop(at, 302, "Found", "/b/snap.db").href).toBe("https://store.example/b/snap.db");
    expect(nextHop(new URL("http://x.example/s"), 301, "", "https://y.example/s").href).toBe("https://y.example/s");
    expect(() => nextHop(at, 302, "Found", "http://store.example/b/snap.db")).toThrow(/https to http refused/);
    expect(() => nextHop(at, 307, "", "ftp://store.example/b")).toThrow(/ftp: URL refused/);
    expect(() => nextHop(at, 302, "Found", undefined)).toThrow(/HTTP 302/);
    expect(() => nextHop(at, 500, "Internal Server Error", "/x")).toThrow(/HTTP 500 Internal Server Error/);
  });

  it("never logs the URL's user info or query", async () => {
    server = await startSnapshotServer({ body: BODY });
    const url = new URL(server.url);
    url.username = "user";
    url.password = "hunter2";
    url.search = "?X-Amz-Signature=cafebabe";
    await prepare(armed(url.href));
    expect(JSON.stringify(lines)).not.toMatch(/hunter2|cafebabe/);
  });
});

describe("prepareSnapshot() from a path", () => {
  it("reads the file where it is, verifies it, and never removes it", async () => {
    const path = join(dir, "mine.db");
    writeFileSync(path, BODY);
    const s = await prepare({ source: { kind: "file", path }, sha256: SUM, skipHashCheck: false });
    expect(s).toMatchObject({ path, bytes: BODY.length, spooled: false });
    await discard(s);
    expect(existsSync(path)).toBe(true);
  });

  it("refuses a missing file, a directory, a file above the limit and a wrong checksum", async () => {
    const path = join(dir, "mine.db");
    writeFileSync(path, BODY);
    mkdirSync(join(dir, "d"));
    const at = (p: string, sha256 = SUM) => prepare({ source: { kind: "file", path: p }, sha256, skipHashCheck: false });
    expect((await failure(at(join(dir, "none.db")))).kind).toBe("file");
    expect((await failure(at(join(dir, "d")))).message).toMatch(/not a regular file/);
    expect((await failure(prepareSnapshot({ source: { kind: "file", path }, sha256: SUM, skipHashCheck: false }, { spoolDir: dir, signal, log, maxBytes: 10 }))).kind).toBe("too-large");
    expect((await failure(at(path, "f".repeat(64)))).kind).toBe("checksum");
  });
});

describe("readVerified()", () => {
  it("fails at the end when the file changed after it was verified", async () => {
    const path = join(dir, "mine.db");
    writeFileSync(path, BODY);
    const s = await prepare({ source: { kind: "file", path }, sha256: SUM, skipHashCheck: false });
    writeFileSync(path, Buffer.concat([BODY.subarray(1), Buffer.from("x")]));
    const err = await failure(collect(readVerified(s, { signal, log })));
    expect(err.kind).toBe("changed");
  });
});

describe("removeSpool()", () => {
  it("removes a spool an earlier run left behind, and nothing else", async () => {
    writeFileSync(join(dir, SPOOL_NAME), "partial");
    writeFileSync(join(dir, "ballot.json"), "{}");
    await removeSpool(dir);
    expect(readdirSync(dir)).toEqual(["ballot.json"]);
    await removeSpool(dir);
  });
});
