// STATE volumes on loop devices: the LUKS2 header unlocks with the passphrase
// to the very volume key the data was encrypted with; where device-mapper
// exists, the opened mapping reads back the plain XFS byte for byte.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runOk } from "../helpers/cmd.js";
import { LUKS_DATA_OFFSET, volumeKeyOf } from "../helpers/luks.js";
import { hasDeviceMapper, skipReason } from "../helpers/preflight.js";
import { skipWith } from "../helpers/skips.js";
import { makeStateVolume, type StateVolume } from "../helpers/state-image.js";

const skip = skipReason(["loop", "xfs", "luks"]);
const noDm = hasDeviceMapper() ? null : "no device-mapper in this kernel (/proc/misc)";

describe("makeStateVolume()", skipWith(skip), () => {
  let v: StateVolume | null = null;
  afterEach(async () => {
    await v?.teardown();
    v = null;
  });

  it("plain: the loop device is the XFS labelled STATE", async () => {
    v = await makeStateVolume({ configYaml: "a: 1\n" });
    expect(v.mapper).toBeNull();
    expect(v.xfsDevice).toBe(v.partition.device);
    expect((await runOk(["blkid", "-p", "-o", "export", v.partition.device])).split("\n")).toEqual(
      expect.arrayContaining(["LABEL=STATE", "TYPE=xfs"]),
    );
  });

  // blkid -p probes the device itself: the cache may still describe the
  // previous user of the same loop device (the plain XFS of the test above).
  it("encrypted: a LUKS2 partition whose passphrase unlocks the key its data was encrypted with", async () => {
    v = await makeStateVolume({ configYaml: "a: 1\n", encrypted: true, passphrase: "pw" });
    expect(v.mapper).not.toBeNull();
    expect((await runOk(["blkid", "-p", "-o", "export", v.partition.device])).split("\n")).toContain("TYPE=crypto_LUKS");
    const key = await volumeKeyOf(v.partition.device, "pw");
    expect(key.equals(readFileSync(join(v.dir, "volume.key")))).toBe(true);
    const dump = await runOk(["cryptsetup", "luksDump", v.partition.device]);
    expect(dump).toContain(`offset: ${LUKS_DATA_OFFSET} [bytes]`);
    expect(dump).toContain("cipher: aes-xts-plain64");
  });

  it("encrypted, with device-mapper: the opened mapping reads back the plain XFS", skipWith(noDm), async () => {
    v = await makeStateVolume({ configYaml: "a: 1\n", encrypted: true });
    expect(v.mapper).toBe("device-mapper");
    const plain = readFileSync(join(v.dir, "state.img"));
    expect(readFileSync(v.xfsDevice).equals(plain)).toBe(true);
  });
});
