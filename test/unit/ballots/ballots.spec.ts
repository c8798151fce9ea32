import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { decodeBallot, encodeBallot, encodeChecked, MAX_BALLOT_BYTES } from "../../../src/ballots/codec.js";
import { freshBallot, loadBallot, saveBallot, type LocalIdentity } from "../../../src/ballots/store.js";
import { MAX_ROUND } from "../../../src/core/ballot-number.js";
import type { Ballot } from "../../../src/core/types.js";

const ID = "0123456789abcdef0123456789abcdef";
const OTHER = "fedcba9876543210fedcba9876543210";
const MACHINE = "a".repeat(64);
const LOCAL: LocalIdentity = { machine: MACHINE, cluster: { ca: "c".repeat(64), name: "prod", endpoint: "https://prod.example:6443" } };
const SETTINGS = { quorum: 2, controlPlanes: 3 };
const nominee = { id: ID, machine: MACHINE, address: "10.0.0.9" };

const full: Ballot = {
  version: 2,
  id: ID,
  machine: MACHINE,
  cluster: LOCAL.cluster,
  settings: SETTINGS,
  promised: { round: 3, id: ID },
  accepted: { number: { round: 3, id: ID }, nominee },
  proposal: { phase: "accept", number: { round: 3, id: ID }, nominee },
  bootstrapped: false,
  peers: { [OTHER]: { machine: "b".repeat(64), promised: { round: 3, id: ID }, accepted: null, proposal: { phase: "prepare", number: { round: 2, id: OTHER } } } },
};

const json = (b: unknown): string => JSON.stringify(b);

describe("decodeBallot()", () => {
  it("round-trips what encodeBallot writes, byte for byte", () => {
    expect(decodeBallot(encodeBallot(full))).toEqual(full);
    expect(encodeBallot(decodeBallot(encodeBallot(full)))).toBe(encodeBallot(full));
    expect(decodeBallot(Buffer.from(encodeBallot(freshBallot(LOCAL, SETTINGS))))).toMatchObject({ cluster: LOCAL.cluster, promised: null, peers: {} });
  });

  it("refuses anything odd rather than guess", () => {
    const bad: unknown[] = [
      "not json",
      "[]",
      { ...full, version: 1 },
      { ...full, id: "short" },
      { ...full, machine: "A".repeat(64) },
      { ...full, cluster: { ...full.cluster, ca: "A".repeat(64) } },
      { ...full, cluster: { ...full.cluster, name: "" } },
      { ...full, cluster: { ...full.cluster, endpoint: "x\u0000y" } },
      { ...full, settings: { quorum: 0, controlPlanes: null } },
      { ...full, settings: { quorum: 2, controlPlanes: 1001 } },
      { ...full, promised: { round: 0, id: ID } },
      { ...full, promised: { round: 1.5, id: ID } },
      { ...full, proposal: { phase: "commit", number: { round: 1, id: ID } } },
      { ...full, accepted: { number: { round: 1, id: ID } } },
      { ...full, accepted: { number: { round: 1, id: ID }, nominee: { id: ID, address: "10.0.0.1" } } },
      { ...full, proposal: { phase: "accept", number: { round: 1, id: ID } } },
      { ...full, bootstrapped: "yes" },
      { ...full, peers: { nothex: full.peers[OTHER] } },
    ];
    for (const b of bad) expect(() => decodeBallot(typeof b === "string" ? b : json(b)), json(b)).toThrow();
    expect(() => decodeBallot("x".repeat(MAX_BALLOT_BYTES + 1))).toThrow(/larger/);
  });

  it("bounds rounds at 2^31: a peer at 2^53 − 1 is malformed, not a number to exceed", () => {
    expect(decodeBallot(json({ ...full, promised: { round: MAX_ROUND, id: ID } })).promised?.round).toBe(MAX_ROUND);
    for (const round of [MAX_ROUND + 1, Number.MAX_SAFE_INTEGER]) {
      expect(() => decodeBallot(json({ ...full, promised: { round, id: ID } }))).toThrow(/promised\.round must be an integer/);
    }
  });

  it("refuses more than MAX_PEERS witnesses", () => {
    const peers: Record<string, unknown> = {};
    for (let i = 0; i < 65; i++) peers[i.toString(16).padStart(32, "0")] = full.peers[OTHER];
    expect(() => decodeBallot(json({ ...full, peers }))).toThrow(/more than 64 peers/);
  });
});

describe("encodeChecked()", () => {
  it("refuses to write a ballot it could not read back", () => {
    expect(() => encodeChecked({ ...full, promised: { round: MAX_ROUND + 1, id: ID } })).toThrow(/could not read back/);
    expect(encodeChecked(full)).toBe(encodeBallot(full));
  });
});

describe("loadBallot() / saveBallot()", () => {
  let dir = "";
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const tmp = (): string => (dir = mkdtempSync(join(tmpdir(), "ballot-")));

  it("creates a ballot once, then loads the same one, and leaves no temporary file", async () => {
    const path = join(tmp(), "sub", "ballot.json");
    const first = await loadBallot(LOCAL, SETTINGS, path);
    expect(first).toMatchObject({ kind: "created", replaced: "none" });
    await saveBallot(first.ballot, path);
    expect(await loadBallot(LOCAL, SETTINGS, path)).toEqual({ kind: "loaded", ballot: first.ballot, finishedWrite: false });
    expect(readdirSync(join(dir, "sub"))).toEqual(["ballot.json"]);
  });

  it("never uses a ballot bound to another machine (a copied disk) or made for another cluster", async () => {
    const path = join(tmp(), "ballot.json");
    await saveBallot({ ...full, machine: "b".repeat(64) }, path);
    const copied = await loadBallot(LOCAL, SETTINGS, path);
    expect(copied).toMatchObject({ kind: "created", replaced: "other-machine", replacedId: ID });
    expect(copied.ballot.id).not.toBe(ID);
    await saveBallot({ ...full, cluster: { ...full.cluster, name: "staging" } }, path);
    expect(await loadBallot(LOCAL, SETTINGS, path)).toMatchObject({ kind: "created", replaced: "other-cluster", replacedId: ID });
  });

  it("finishes a write cut short after its temporary file was synced (power lost around the rename)", async () => {
    const path = join(tmp(), "ballot.json");
    await saveBallot(full, path);
    const newer = { ...full, promised: { round: 9, id: ID } };
    writeFileSync(`${path}.next`, encodeBallot(newer));
    expect(await loadBallot(LOCAL, SETTINGS, path)).toEqual({ kind: "loaded", ballot: newer, finishedWrite: true });
    expect(readdirSync(dir)).toEqual(["ballot.json"]);
  });

  it("drops a torn temporary file: it was never renamed, so no peer ever read it", async () => {
    const path = join(tmp(), "ballot.json");
    await saveBallot(full, path);
    writeFileSync(`${path}.next`, encodeBallot(full).slice(0, 40));
    expect(await loadBallot(LOCAL, SETTINGS, path)).toEqual({ kind: "loaded", ballot: full, finishedWrite: false });
    expect(readdirSync(dir)).toEqual(["ballot.json"]);
  });

  it("refuses a corrupt ballot instead of voting without its memory", async () => {
    const path = join(tmp(), "ballot.json");
    writeFileSync(path, "{ torn");
    await expect(loadBallot(LOCAL, SETTINGS, path)).rejects.toThrow(/corrupt.*refusing to vote/);
  });

  it("never writes a ballot it would refuse to read", async () => {
    const path = join(tmp(), "ballot.json");
    await saveBallot(full, path);
    await expect(saveBallot({ ...full, promised: { round: MAX_ROUND + 1, id: ID } }, path)).rejects.toThrow(/could not read back/);
    expect(readFileSync(path, "utf8")).toBe(encodeBallot(full));
  });
});
