// The snapshot download verifies https even with verification turned off
// process-wide (NODE_TLS_REJECT_UNAUTHORIZED=0, as a debugging session might
// leave it). Its own file: the variable is process-wide, and vitest runs each
// file in a process of its own.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../src/log.js";
import { SnapshotError } from "../../../src/recovery/errors.js";
import { prepareSnapshot } from "../../../src/recovery/snapshot.js";
import { startSnapshotServer, type SnapshotServer } from "../../helpers/snapshot-server.js";

const VARIABLE = "NODE_TLS_REJECT_UNAUTHORIZED";
let server: SnapshotServer;
let dir = "";

beforeAll(async () => {
  process.env[VARIABLE] = "0";
  server = await startSnapshotServer({ body: Buffer.from("snapshot"), tls: true });
  dir = mkdtempSync(join(tmpdir(), "insecure-env-"));
});

afterAll(async () => {
  delete process.env[VARIABLE];
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe(`the snapshot download with ${VARIABLE}=0 in our environment`, () => {
  it("still refuses a server whose certificate does not verify", async () => {
    const log = createLogger("fatal", { write: () => undefined });
    const err = await prepareSnapshot({ source: { kind: "url", url: server.url }, sha256: "0".repeat(64), skipHashCheck: false }, { spoolDir: dir, signal: AbortSignal.timeout(30_000), log }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SnapshotError);
    expect((err as SnapshotError).kind).toBe("download");
    expect((err as SnapshotError).message).toMatch(/certificate/i);
    expect(server.requests).toEqual([]);
  });
});
