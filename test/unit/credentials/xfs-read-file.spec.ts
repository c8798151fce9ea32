import { describe, expect, it } from "vitest";
import { inodeByteOffset } from "../../../src/credentials/xfs/inode.js";
import { readXfsFile } from "../../../src/credentials/xfs/read-file.js";
import { openVolume } from "../../../src/credentials/xfs/volume.js";
import { skipReason } from "../../helpers/preflight.js";
import { skipWith } from "../../helpers/skips.js";
import {
  fileLayout,
  imageReader,
  superblockField,
  xfsDbConvert,
} from "../../helpers/xfs-image.js";
import { MiB, configText, longNames, readFromImage, useCleanup } from "./xfs-fixtures.js";

// Fragmented, btree and unwritten layouts are written through the kernel (loop mount, xfs_io).
const kernelSkip = skipReason(["loop", "xfs", "sandbox"]);
const { image } = useCleanup();
const read = readFromImage;

describe("readXfsFile()", () => {
  it("reads config.yaml from a Talos-sized image (100 MiB, 4 KiB blocks, short-form root)", async () => {
    const config = configText(18_000);
    const img = await image({ sizeBytes: 100 * MiB, files: [{ name: "config.yaml", content: config }] });
    expect((await fileLayout(img.path, "")).format).toBe("local");
    expect(await read(img.path, "/config.yaml")).toEqual(config);
  });

  it("reads a file whose inode and data sit in AG 1", async () => {
    const inner = configText(9_000, "inner");
    const img = await image({
      sizeBytes: 100 * MiB,
      files: [
        { name: "config.yaml", content: configText(100) },
        { name: "sub/inner.yaml", content: inner },
      ],
    });
    const layout = await fileLayout(img.path, "sub/inner.yaml");
    expect(await xfsDbConvert(img.path, "inode", layout.inode, "agno")).toBe(1);
    expect(layout.extentAgs).toEqual([1]);
    expect(await read(img.path, "/sub/inner.yaml")).toEqual(inner);
  });

  it("reads a 1 GiB image with 8 AGs, where block numbers carry more AG bits", async () => {
    const config = configText(30_000);
    const inner = configText(5_000, "inner");
    const img = await image({
      sizeBytes: 1024 * MiB,
      agCount: 8,
      files: [
        { name: "config.yaml", content: config },
        { name: "sub/inner.yaml", content: inner },
      ],
    });
    expect(await superblockField(img.path, "agblklog")).toBe("15");
    expect((await fileLayout(img.path, "sub/inner.yaml")).extentAgs[0]).toBeGreaterThan(0);
    expect(await read(img.path, "/config.yaml")).toEqual(config);
    expect(await read(img.path, "/sub/inner.yaml")).toEqual(inner);
  });

  it.each([
    { blockSize: 1024, inodeSize: 512, sectorSize: 512 },
    { blockSize: 4096, inodeSize: 1024, sectorSize: 512 },
    { blockSize: 4096, inodeSize: 2048, sectorSize: 512 },
    { blockSize: 4096, inodeSize: 512, sectorSize: 4096 },
  ])(
    "reads with $blockSize-byte blocks, $inodeSize-byte inodes and $sectorSize-byte sectors",
    async ({ blockSize, inodeSize, sectorSize }) => {
      const config = configText(20_000);
      const img = await image({
        sizeBytes: 100 * MiB,
        blockSize,
        inodeSize,
        mkfsArgs: ["-s", `size=${sectorSize}`],
        files: [
          { name: "config.yaml", content: config },
          { name: "sub/inner.yaml", content: "inner\n" },
        ],
      });
      expect(await superblockField(img.path, "sectsize")).toBe(String(sectorSize));
      expect(await read(img.path, "/config.yaml")).toEqual(config);
      expect((await read(img.path, "/sub/inner.yaml")).toString()).toBe("inner\n");
    },
  );

  it("reads Talos >= 1.10 layouts (64-bit extent counters, rmapbt)", async () => {
    const config = configText(20_000);
    const img = await image({
      sizeBytes: 100 * MiB,
      mkfsArgs: ["-i", "nrext64=1", "-m", "rmapbt=1"],
      files: [{ name: "config.yaml", content: config }],
    });
    expect(Number(await superblockField(img.path, "features_incompat")) & 0x20).toBe(0x20);
    expect(await read(img.path, "/config.yaml")).toEqual(config);
  });

  it("reads a root directory in block form", async () => {
    const config = configText(10_000);
    const img = await image({ sizeBytes: 100 * MiB, files: [{ name: "config.yaml", content: config }, ...longNames(12)] });
    const root = await fileLayout(img.path, "");
    expect(root.format).toBe("extents");
    expect(root.size).toBe(4096);
    expect(await read(img.path, "/config.yaml")).toEqual(config);
    expect((await read(img.path, "/node-identity-and-other-state-0011.yaml")).toString()).toBe("n11\n");
  });

  it("reads a root directory of several blocks", async () => {
    const config = configText(10_000);
    const img = await image({ sizeBytes: 100 * MiB, files: [...longNames(300), { name: "config.yaml", content: config }] });
    expect((await fileLayout(img.path, "")).size).toBeGreaterThan(4096);
    expect(await read(img.path, "/config.yaml")).toEqual(config);
    expect((await read(img.path, "/node-identity-and-other-state-0299.yaml")).toString()).toBe("n299\n");
  });

  it("reads a file fragmented into several extents", skipWith(kernelSkip), async () => {
    const config = configText(40_000);
    const img = await image({
      sizeBytes: 100 * MiB,
      fragment: true,
      files: [{ name: "config.yaml", content: config }],
    });
    const layout = await fileLayout(img.path, "config.yaml");
    expect(layout.format).toBe("extents");
    expect(layout.extents).toBeGreaterThan(1);
    expect(await read(img.path, "/config.yaml")).toEqual(config);
  });

  it("reads a file whose block map outgrew the inode (btree format)", skipWith(kernelSkip), async () => {
    const config = configText(120_000);
    const img = await image({
      sizeBytes: 100 * MiB,
      blockSize: 1024,
      fragment: true,
      files: [{ name: "config.yaml", content: config }],
    });
    const layout = await fileLayout(img.path, "config.yaml");
    expect(layout.format).toBe("btree");
    expect(layout.extents).toBeGreaterThan(21);
    expect(await read(img.path, "/config.yaml")).toEqual(config);
  });

  it("reads preallocated, unwritten extents as zeros", skipWith(kernelSkip), async () => {
    const config = configText(5_000);
    const img = await image({
      sizeBytes: 100 * MiB,
      fragment: true,
      files: [{ name: "config.yaml", content: config, unwrittenTail: 16_384 }],
    });
    const got = await read(img.path, "/config.yaml");
    expect(got.length).toBe(8192 + 16_384);
    expect(got.subarray(0, config.length)).toEqual(config);
    expect(got.subarray(config.length).every((b) => b === 0)).toBe(true);
  });

  it("finds inodes where xfs_db does", async () => {
    const img = await image({ sizeBytes: 100 * MiB, files: [{ name: "sub/inner.yaml", content: "x" }] });
    const { inode } = await fileLayout(img.path, "sub/inner.yaml");
    const r = await imageReader(img.path);
    try {
      const vol = await openVolume(r.readAt);
      expect(inodeByteOffset(vol, inode)).toBe(await xfsDbConvert(img.path, "inode", inode, "byte"));
    } finally {
      await r.close();
    }
  });

  it("needs only a handful of reads for config.yaml", async () => {
    const img = await image({ sizeBytes: 100 * MiB, files: [{ name: "config.yaml", content: configText(18_000) }] });
    const r = await imageReader(img.path);
    try {
      await readXfsFile(r.readAt, "/config.yaml");
      expect(r.reads()).toBeLessThanOrEqual(4);
    } finally {
      await r.close();
    }
  });
});
