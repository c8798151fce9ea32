// The reader on STATE as Talos formats it (issue 9 item 6): lts_6.12.conf
// (Talos 1.10-1.12: reflink, rmapbt, inobtcount, nrext64) and lts_6.18.conf
// (>= 1.13: + exchange, parent pointers, so every inode has an attribute fork),
// 512 B and 4 KiB sectors, and a config.yaml rewritten 200 times through the
// kernel beside a root directory grown to several blocks. The images are
// committed; see hack/xfs-fixtures/make.sh. Expectations come from the
// manifest, which records what the kernel and xfs_db saw.
import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseMachineConfig } from "../../../src/credentials/machine-config.js";
import { lookup } from "../../../src/credentials/xfs/directory.js";
import { readInode } from "../../../src/credentials/xfs/inode.js";
import { readXfsFile } from "../../../src/credentials/xfs/read-file.js";
import { openVolume } from "../../../src/credentials/xfs/volume.js";
import { loadImage, memoryReader, sha256, talosFixtures } from "./xfs-talos-images.js";

const INCOMPAT_NREXT64 = 0x20;
const INCOMPAT_EXCHANGE = 0x40;
const INCOMPAT_PARENT = 0x80;
const RO_COMPAT_TALOS = 0xf; // finobt, rmapbt, reflink, inobtcount
const INODE_CORE = 176;
const FORMAT_CODE = { local: 1, extents: 2, btree: 3 } as const;

describe("Talos STATE fixtures", () => {
  it("cover Talos's feature sets", () => {
    expect(talosFixtures.map((f) => f.name).sort()).toEqual([
      "lts612-4k",
      "lts612-512",
      "lts618-4k",
      "lts618-512",
      "lts618-rewritten",
    ]);
  });
});

// One decompression per fixture (100 MiB each), released after its block.
describe.each(talosFixtures)("readXfsFile() on $name ($mkfs)", (fixture) => {
  let image: Buffer | undefined;
  const read = (path: string): Promise<Buffer> => readXfsFile(memoryReader(image as Buffer), path);
  beforeAll(async () => {
    image = await loadImage(fixture);
  });
  afterAll(() => {
    image = undefined;
  });

  it("has the superblock features the manifest records", () => {
    const view = new DataView((image as Buffer).buffer, (image as Buffer).byteOffset, (image as Buffer).byteLength);
    const incompat = view.getUint32(216);
    expect(view.getUint16(102)).toBe(fixture.sectorSize);
    expect([`0x${incompat.toString(16)}`, `0x${view.getUint32(212).toString(16)}`]).toEqual([
      fixture.features.incompat,
      fixture.features.roCompat,
    ]);
    expect(view.getUint32(212)).toBe(RO_COMPAT_TALOS);
    const lts618 = INCOMPAT_NREXT64 | INCOMPAT_EXCHANGE | INCOMPAT_PARENT;
    expect(incompat & lts618).toBe(fixture.name.startsWith("lts618") ? lts618 : INCOMPAT_NREXT64);
  });

  it("reads every file as the kernel does", async () => {
    for (const file of fixture.files) {
      const got = await read(file.path);
      expect({ path: file.path, bytes: got.length, sha256: sha256(got) }).toEqual(file);
    }
  });

  it("finds the machine config and its CA", async () => {
    const config = parseMachineConfig((await read("/config.yaml")).toString("utf8"));
    expect(config.machineType).toBe(fixture.config.startsWith("worker") ? "worker" : "controlplane");
    expect(config.caKeyPem === null).toBe(config.machineType === "worker");
    const fingerprint = new X509Certificate(config.caCertPem).fingerprint256.replaceAll(":", "").toLowerCase();
    expect(fingerprint).toBe(fixture.caFingerprint);
  });

  it("sees the inodes as xfs_db does: data fork before the attribute fork, root form", async () => {
    const vol = await openVolume(memoryReader(image as Buffer));
    const root = await readInode(vol, vol.sb.rootIno);
    const ino = (await lookup(vol, root, Buffer.from("config.yaml"))) as bigint;
    const config = await readInode(vol, ino);
    // "2 (extents), forkoff 24": every file here has an attribute fork (on lts_6.18 its parent pointer).
    const [, configFormat, forkoff] = /^\d \((\w+)\), forkoff (\d+)$/.exec(fixture.layout.config) ?? [];
    expect([config.format, config.dataFork.length]).toEqual([configFormat, Number(forkoff) * 8]);
    expect(config.dataFork.length).toBeLessThan(vol.sb.inodeSize - INODE_CORE);
    expect(`${FORMAT_CODE[root.format]} (${root.format}), ${root.size} bytes`).toBe(fixture.layout.root);
    // Each rewrite is a new inode (config.yaml-tmp renamed over config.yaml), so 200 of them move it far.
    expect(ino > 1000n).toBe(fixture.name === "lts618-rewritten");
  });
});
