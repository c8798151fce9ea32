import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { crc32c } from "../../../src/credentials/xfs/crc32c.js";
import { readXfsFile } from "../../../src/credentials/xfs/read-file.js";
import { fileLayout, imageReader, xfsDbConvert } from "../../helpers/xfs-image.js";
import { MiB, configText, longNames, makeLuks2Image, readFromImage, useCleanup, xfsErrorOf } from "./xfs-fixtures.js";
import { restamp } from "./xfs-mutate.js";

const run = promisify(execFile);
const { image, scratchFile } = useCleanup();

/** readTampered reads `file` from `path` while `tamper` may alter or cut each read. */
async function readTampered(
  path: string,
  file: string,
  tamper: (offset: number, bytes: Buffer) => Buffer,
): Promise<Buffer> {
  const r = await imageReader(path);
  try {
    return await readXfsFile(async (o, l) => tamper(o, Buffer.from(await r.readAt(o, l))), file);
  } finally {
    await r.close();
  }
}

/** flipByteAt: a reader filter that corrupts the one byte at absolute offset `at`. */
const flipByteAt =
  (at: number) =>
  (offset: number, bytes: Buffer): Buffer => {
    if (at >= offset && at < offset + bytes.length) bytes.writeUInt8(bytes.readUInt8(at - offset) ^ 0x01, at - offset);
    return bytes;
  };

describe("crc32c()", () => {
  it("matches the CRC-32C check value", () => {
    expect(crc32c(Buffer.from("123456789"))).toBe(0xe3069283);
  });
});

describe("readXfsFile() on bad input", () => {
  it("refuses zeros as not XFS", async () => {
    const path = await scratchFile(MiB);
    expect((await xfsErrorOf(readFromImage(path, "/config.yaml"))).kind).toBe("not-xfs");
  });

  it("refuses a LUKS2 header as not XFS", async () => {
    const path = await makeLuks2Image(await scratchFile(32 * MiB));
    expect((await xfsErrorOf(readFromImage(path, "/config.yaml"))).kind).toBe("not-xfs");
  });

  it("refuses XFS v4", async () => {
    const path = await scratchFile(320 * MiB);
    await run("mkfs.xfs", ["-q", "-f", "-m", "crc=0", "-i", "size=256", path], { timeout: 60_000 });
    const err = await xfsErrorOf(readFromImage(path, "/config.yaml"));
    expect(err.kind).toBe("unsupported");
    expect(err.message).toMatch(/version 4/);
  });

  it("reports a missing file or directory as not-found", async () => {
    const img = await image({ sizeBytes: 100 * MiB, files: [{ name: "node-identity.yaml", content: "x" }] });
    const file = await xfsErrorOf(readFromImage(img.path, "/config.yaml"));
    expect([file.kind, file.message]).toEqual(["not-found", "/config.yaml does not exist"]);
    expect((await xfsErrorOf(readFromImage(img.path, "/nope/config.yaml"))).kind).toBe("not-found");
    expect((await xfsErrorOf(readFromImage(img.path, "/node-identity.yaml/x"))).kind).toBe("not-found");
  });

  it("refuses a directory as a file", async () => {
    const img = await image({ sizeBytes: 100 * MiB, files: [{ name: "sub/inner.yaml", content: "x" }] });
    expect((await xfsErrorOf(readFromImage(img.path, "/sub"))).kind).toBe("unsupported");
  });

  it("refuses a file larger than maxBytes", async () => {
    const img = await image({ sizeBytes: 100 * MiB, files: [{ name: "config.yaml", content: configText(20_000) }] });
    expect((await xfsErrorOf(readFromImage(img.path, "/config.yaml", { maxBytes: 10_000 }))).kind).toBe("too-large");
  });

  it("detects a damaged superblock, inode, directory or block", async () => {
    const img = await image({
      sizeBytes: 100 * MiB,
      files: [
        { name: "config.yaml", content: configText(9_000) },
        ...Array.from({ length: 12 }, (_, i) => ({ name: `a-long-name-for-a-block-form-directory-${i}`, content: "x" })),
      ],
    });
    const { inode } = await fileLayout(img.path, "config.yaml");
    const root = await fileLayout(img.path, "");
    const inodeAt = await xfsDbConvert(img.path, "inode", inode, "byte");
    expect(root.format).toBe("extents");
    const rootBlockAt = await xfsDbConvert(img.path, "fsblock", root.startBlocks[0] as bigint, "byte");
    for (const [at, what] of [
      [108, /superblock checksum/], // the label
      [inodeAt + 56 + 7, /checksum/], // di_size
      [rootBlockAt + 100, /checksum/], // an entry of the root directory block
    ] as const) {
      const err = await xfsErrorOf(readTampered(img.path, "/config.yaml", flipByteAt(at)));
      expect(err.kind).toBe("corrupt");
      expect(err.message).toMatch(what);
    }
  });

  it("refuses a directory entry that would end past its block, with an XfsError", async () => {
    // A data block of a multi-block directory: one free span up to 8 bytes
    // before the block end, then 8 bytes that are not a free tag. The entry
    // there would end past the block; the reader once read its name length
    // at the block end itself (a RangeError, not an XfsError).
    const img = await image({ sizeBytes: 100 * MiB, files: [...longNames(300), { name: "config.yaml", content: "x" }] });
    const root = await fileLayout(img.path, "");
    const blockAt = await xfsDbConvert(img.path, "fsblock", root.startBlocks[0] as bigint, "byte");
    const size = 4096;
    const craft = (offset: number, bytes: Buffer): Buffer => {
      if (offset !== blockAt || bytes.length < size) return bytes;
      expect(bytes.toString("latin1", 0, 4)).toBe("XDD3");
      bytes.fill(0, 64, size);
      bytes.writeUInt16BE(0xffff, 64);
      bytes.writeUInt16BE(size - 8 - 64, 66);
      restamp(bytes.subarray(0, size));
      return bytes;
    };
    const err = await xfsErrorOf(readTampered(img.path, "/no-such-file.yaml", craft));
    expect([err.kind, err.message]).toEqual(["corrupt", expect.stringMatching(/entry overruns the block/)]);
  });

  it("detects a truncated image", async () => {
    const img = await image({ sizeBytes: 100 * MiB, files: [{ name: "sub/inner.yaml", content: "x" }] });
    const cut = 20 * MiB; // AG 1 starts at 25 MiB
    const err = await xfsErrorOf(
      readTampered(img.path, "/sub/inner.yaml", (o, b) => (o >= cut ? b.subarray(0, 0) : b)),
    );
    expect([err.kind, err.message]).toEqual(["corrupt", expect.stringMatching(/short read/)]);
  });

  it("rejects relative paths and dot components", async () => {
    const img = await image({ sizeBytes: 100 * MiB, files: [{ name: "config.yaml", content: "x" }] });
    for (const p of ["config.yaml", "/", "/../config.yaml", "/./config.yaml"]) {
      expect((await xfsErrorOf(readFromImage(img.path, p))).kind).toBe("not-found");
    }
  });

  it("stops when its signal is aborted", async () => {
    const img = await image({ sizeBytes: 100 * MiB, files: [{ name: "config.yaml", content: "x" }] });
    const err = await readFromImage(img.path, "/config.yaml", { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect((err as Error).name).toBe("AbortError");
  });
});
