import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createStatusWriter, writeStatusFile, type StatusFile } from "../../../src/ballots/status-file.js";
import type { Status } from "../../../src/core/status.js";
import { createLogger } from "../../../src/log.js";

const waiting: Status = {
  phase: "waiting",
  why: "quorum 2: 1 control plane of this cluster seen (10.0.0.2 (this node))",
  peers: { scan: 0, static: 0 },
  quorum: { seen: 1, needed: 2 },
  nominee: null,
  recovery: null,
  lastError: null,
};

let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("createStatusWriter()", () => {
  it("writes the status atomically beside the ballot, and rewrites it only when it changed", async () => {
    dir = mkdtempSync(join(tmpdir(), "status-"));
    const path = join(dir, "status.json");
    let t = Date.parse("2026-01-01T00:00:00Z");
    let writes = 0;
    const lines: string[] = [];
    const w = createStatusWriter({
      node: "10.0.0.2",
      write: (text) => writeStatusFile(text, path),
      log: createLogger("info", { write: (s: string) => void lines.push(s) }),
      clock: () => new Date(t),
    });
    const read = () => JSON.parse(readFileSync(path, "utf8")) as StatusFile;
    const count = async (s: Status) => {
      const before = readdirSync(dir).length > 0 ? readFileSync(path, "utf8") : "";
      await w.publish(s);
      if (readFileSync(path, "utf8") !== before) writes++;
    };
    await count(waiting);
    expect(read()).toEqual({ version: 1, node: "10.0.0.2", ...waiting, updated: "2026-01-01T00:00:00.000Z" });
    t += 60_000;
    await count({ ...waiting });
    await count({ ...waiting });
    expect(writes).toBe(1);
    expect(read().updated).toBe("2026-01-01T00:00:00.000Z");
    await count({ ...waiting, phase: "consenting", quorum: { seen: 2, needed: 2 } });
    expect(writes).toBe(2);
    expect(read()).toMatchObject({ phase: "consenting", updated: "2026-01-01T00:01:00.000Z" });
    expect(readdirSync(dir)).toEqual(["status.json"]);
    expect(w.last()?.phase).toBe("consenting");
    expect(lines).toEqual([]);
  });

  it("logs a failed write once, keeps going, and writes again once it can", async () => {
    const lines: string[] = [];
    let fail = true;
    const texts: string[] = [];
    const w = createStatusWriter({
      node: "10.0.0.2",
      log: createLogger("info", { write: (s: string) => void lines.push(s) }),
      write: async (text) => {
        if (fail) throw new Error("EROFS: read-only file system");
        texts.push(text);
      },
    });
    await w.publish(waiting);
    await w.publish({ ...waiting, why: "other" });
    expect(lines.filter((l) => l.includes("status file not written"))).toHaveLength(1);
    fail = false;
    await w.publish({ ...waiting, why: "other" });
    expect(texts).toHaveLength(1);
  });
});
