import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { decodeBallot, encodeBallot } from "../../../src/ballots/codec.js";
import { freshBallot, loadBallot, saveBallot } from "../../../src/ballots/store.js";
import type { Ballot } from "../../../src/core/types.js";

const CLUSTER = "a".repeat(64);
const ID = "0123456789abcdef0123456789abcdef";

const full: Ballot = {
  version: 1,
  id: ID,
  cluster: CLUSTER,
  promised: { round: 3, id: ID },
  accepted: { number: { round: 3, id: ID }, nominee: { id: ID, address: "10.0.0.9" } },
  proposal: { phase: "accept", number: { round: 3, id: ID }, nominee: { id: ID, address: "10.0.0.9" } },
};

describe("decodeBallot()", () => {
  it("round-trips what encodeBallot writes", () => {
    expect(decodeBallot(encodeBallot(full))).toEqual(full);
    expect(decodeBallot(Buffer.from(encodeBallot(freshBallot(CLUSTER))))).toMatchObject({ cluster: CLUSTER, promised: null });
  });

  it("refuses anything odd rather than guess", () => {
    const bad: unknown[] = [
      "not json",
      "[]",
      { ...full, version: 2 },
      { ...full, id: "short" },
      { ...full, cluster: "A".repeat(64) },
      { ...full, promised: { round: 0, id: ID } },
      { ...full, promised: { round: 1.5, id: ID } },
      { ...full, proposal: { phase: "commit", number: { round: 1, id: ID } } },
      { ...full, accepted: { number: { round: 1, id: ID } } },
      { ...full, proposal: { phase: "accept", number: { round: 1, id: ID } } },
    ];
    for (const b of bad) expect(() => decodeBallot(typeof b === "string" ? b : JSON.stringify(b)), JSON.stringify(b)).toThrow();
    expect(() => decodeBallot("x".repeat(5000))).toThrow(/larger/);
  });
});

describe("loadBallot() / saveBallot()", () => {
  let dir = "";
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("creates a ballot once, then loads the same one", async () => {
    dir = mkdtempSync(join(tmpdir(), "ballot-"));
    const path = join(dir, "sub", "ballot.json");
    const first = await loadBallot(CLUSTER, path);
    expect(first.kind).toBe("created");
    await saveBallot(first.ballot, path);
    const again = await loadBallot(CLUSTER, path);
    expect(again).toEqual({ kind: "loaded", ballot: first.ballot });
    expect(readdirSync(join(dir, "sub"))).toEqual(["ballot.json"]);
  });

  it("starts afresh for a ballot of another cluster (a reused disk)", async () => {
    dir = mkdtempSync(join(tmpdir(), "ballot-"));
    const path = join(dir, "ballot.json");
    await saveBallot({ ...full, cluster: "b".repeat(64) }, path);
    const r = await loadBallot(CLUSTER, path);
    expect(r).toMatchObject({ kind: "created", replaced: "b".repeat(64) });
    expect(r.ballot.id).not.toBe(ID);
  });

  it("refuses a corrupt ballot instead of voting without its memory", async () => {
    dir = mkdtempSync(join(tmpdir(), "ballot-"));
    const path = join(dir, "ballot.json");
    writeFileSync(path, "{ torn");
    await expect(loadBallot(CLUSTER, path)).rejects.toThrow(/corrupt.*refusing to vote/);
  });
});
