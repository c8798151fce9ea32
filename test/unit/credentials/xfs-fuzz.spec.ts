// Seeded mutation of real images (issue 12 item 5): every lookup on a damaged
// image either throws an XfsError or returns bytes; without a re-stamped CRC
// those bytes are the right ones, and most such damage is refused. Each case
// is held to safety limits (bytes read, memory grown, wall time) that only a
// runaway reader could break: none is a speed claim. A failure names the
// seed and the case, which replay.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { XfsError } from "../../../src/credentials/xfs/errors.js";
import { readXfsFile } from "../../../src/credentials/xfs/read-file.js";
import { skipReason } from "../../helpers/preflight.js";
import { skipWith } from "../../helpers/skips.js";
import { MiB, configText, longNames, useCleanup } from "./xfs-fixtures.js";
import { mulberry32 } from "../../helpers/prng.js";
import { type Region, metadataRegions, mutate } from "./xfs-mutate.js";
import { loadImage, talosFixture } from "./xfs-talos-images.js";

const CASES_PER_IMAGE = 400;
/**
 * Damage must be caught: a quarter of the cases fail or more (the rest change
 * bytes the reader has no use for, such as timestamps). Far fewer would mean
 * the damage missed the reader or the reader stopped checking.
 */
const MIN_FAILING_SHARE = 0.1;
/**
 * Damage left without a fresh CRC must be caught by the checksums, except in
 * the directory blocks after the one that holds the name (never checked).
 */
const MIN_CAUGHT_UNSTAMPED_SHARE = 0.6;
/** Share of cases whose CRC is re-stamped (the rest test the checksums themselves). */
const RESTAMP_SHARE = 0.85;
const MAX_CASE_READ_BYTES = 64 * MiB;
const MAX_CASE_GROWTH_BYTES = 64 * MiB;
const MAX_CASE_MS = 10_000;
/** A name no image holds: its lookup reads every directory block to the end. */
const ABSENT = "/absent.yaml";

const { image: makeImage } = useCleanup();
// The btree image is written through the kernel (loop mount, xfs_io).
const kernelSkip = skipReason(["loop", "xfs", "sandbox"]);

interface Tally {
  cases: number;
  /** The right bytes: the damage was in something this lookup does not use. */
  intact: number;
  /** Other bytes: a pointer moved behind a re-stamped CRC, which XFS cannot tell. */
  altered: number;
  errors: Partial<Record<XfsError["kind"], number>>;
  /** Cases whose damage kept its old CRC, and of those the ones refused. */
  unstamped: number;
  unstampedCaught: number;
}

/** fuzz runs CASES_PER_IMAGE seeded cases against `paths` of `image` and returns how they ended. */
async function fuzz(name: string, image: Buffer, paths: readonly string[], seed: number): Promise<Tally> {
  const clean = await Promise.all(paths.map((p) => traced(image, p)));
  const random = mulberry32(seed);
  const tally: Tally = { cases: 0, intact: 0, altered: 0, errors: {}, unstamped: 0, unstampedCaught: 0 };
  for (let i = 0; i < CASES_PER_IMAGE; i++) {
    const { path, expected, regions } = clean[i % clean.length] as (typeof clean)[number];
    const m = mutate(image, regions[Math.floor(random() * regions.length)] as Region, random, RESTAMP_SHARE);
    const where = `${name} ${path}, seed ${seed} case ${i}: ${m.describe}`;
    let requested = 0;
    const grownFrom = process.memoryUsage().arrayBuffers;
    const started = performance.now();
    const outcome = await readXfsFile(async (o, l) => {
      requested += l;
      return Buffer.from(image.subarray(o, o + l));
    }, path).catch((e: unknown) => e);
    const ms = performance.now() - started;
    const grown = process.memoryUsage().arrayBuffers - grownFrom;
    m.undo();
    tally.cases++;
    if (!m.restamped) tally.unstamped++;
    if (!m.restamped && outcome instanceof XfsError && outcome.kind !== "not-found") tally.unstampedCaught++;
    if (outcome instanceof XfsError && outcome.kind === "not-found" && expected === null) tally.intact++;
    else if (outcome instanceof XfsError) tally.errors[outcome.kind] = (tally.errors[outcome.kind] ?? 0) + 1;
    else if (!(outcome instanceof Buffer)) expect.fail(`${where}: threw ${String(outcome)}`);
    else if (expected !== null && outcome.equals(expected)) tally.intact++;
    else if (m.restamped) tally.altered++;
    else expect.fail(`${where}: wrong bytes returned although the checksum was not re-stamped`);
    if (requested > MAX_CASE_READ_BYTES || grown > MAX_CASE_GROWTH_BYTES || ms > MAX_CASE_MS) {
      expect.fail(`${where}: read ${requested} bytes, grew ${grown} bytes, took ${ms} ms`);
    }
  }
  const failing = tally.cases - tally.intact - tally.altered;
  expect(failing, `${name}: ${JSON.stringify(tally)}`).toBeGreaterThanOrEqual(MIN_FAILING_SHARE * CASES_PER_IMAGE);
  expect(tally.unstampedCaught, `${name}: ${JSON.stringify(tally)}`).toBeGreaterThanOrEqual(MIN_CAUGHT_UNSTAMPED_SHARE * tally.unstamped);
  return tally;
}

/**
 * traced reads `path` cleanly, noting what it read: the expected bytes (null
 * for ABSENT, whose lookup scans every directory block) and the metadata to damage.
 */
async function traced(image: Buffer, path: string): Promise<{ path: string; expected: Buffer | null; regions: Region[] }> {
  const reads: Region[] = [];
  const expected = await readXfsFile(async (start, length) => {
    reads.push({ start, length });
    return Buffer.from(image.subarray(start, start + length));
  }, path).catch((err: unknown) => {
    if (path === ABSENT && err instanceof XfsError && err.kind === "not-found") return null;
    throw err;
  });
  return { path, expected, regions: metadataRegions(image, reads) };
}

async function bookworm(opts: Parameters<typeof makeImage>[0]): Promise<Buffer> {
  return readFile((await makeImage(opts)).path);
}

describe("readXfsFile() on damaged images (seeded)", () => {
  it("bookworm mkfs.xfs: short-form root", async () => {
    const image = await bookworm({ sizeBytes: 100 * MiB, files: [{ name: "config.yaml", content: configText(18_000) }, { name: "node-identity.yaml", content: "nodeId: x\n" }] });
    await fuzz("short-form", image, ["/config.yaml", ABSENT], 1);
  });

  it("bookworm mkfs.xfs: block-form and multi-block roots", async () => {
    const block = await bookworm({ sizeBytes: 100 * MiB, files: [{ name: "config.yaml", content: configText(9_000) }, ...longNames(12)] });
    await fuzz("block-form", block, ["/config.yaml", ABSENT], 2);
    const multi = await bookworm({ sizeBytes: 100 * MiB, files: [...longNames(300), { name: "config.yaml", content: configText(10_000) }] });
    await fuzz("multi-block", multi, ["/config.yaml", ABSENT], 3);
  });

  it("bookworm mkfs.xfs: 1 KiB blocks, a subdirectory", async () => {
    const files = [{ name: "config.yaml", content: configText(3_000) }, { name: "sub/inner.yaml", content: configText(9_000, "inner") }];
    await fuzz("1k-blocks", await bookworm({ sizeBytes: 100 * MiB, blockSize: 1024, files }), ["/sub/inner.yaml"], 4);
  });

  it("bookworm mkfs.xfs: a block map in btree format", skipWith(kernelSkip), async () => {
    const files = [{ name: "config.yaml", content: configText(40_000) }];
    await fuzz("btree", await bookworm({ sizeBytes: 100 * MiB, blockSize: 1024, fragment: true, files }), ["/config.yaml"], 5);
  });

  it.each([
    ["lts612-512", ["/config.yaml", "/node-identity.yaml"], 6],
    ["lts618-4k", ["/config.yaml", ABSENT], 7],
    ["lts618-rewritten", ["/config.yaml", "/extra-state-0199.yaml", ABSENT], 8],
  ] as const)("Talos fixture %s", async (name, paths, seed) => {
    await fuzz(name, await loadImage(talosFixture(name)), paths, seed);
  });
});
