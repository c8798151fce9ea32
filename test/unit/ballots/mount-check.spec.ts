import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { coveringMount, judgeBallotMount, parseMountinfo, readBallotMount, unescapeMountinfo } from "../../../src/ballots/mount-check.js";

const DIR = "/var/lib/autobootstrap";

// What an extension container on Talos sees: the read-only overlay root of
// the container, pseudo filesystems, the /system rslave copy, and the ballot
// bind from EPHEMERAL (an XFS, root /lib/autobootstrap of that filesystem).
const ROOT = "1045 1030 0:98 / / ro,relatime - overlay overlay rw,lowerdir=/usr/local/lib/containers/autobootstrap,upperdir=/var/system/overlays/x/upper,workdir=/var/system/overlays/x/work";
const PROC = "1046 1045 0:99 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw";
const DEV = "1047 1045 0:6 / /dev ro,relatime master:2 - devtmpfs devtmpfs rw,size=4010072k,nr_inodes=1002518,mode=755";
const SYSTEM = "1050 1045 0:26 / /system ro,relatime master:9 - tmpfs tmpfs rw,mode=755";
const BALLOTS = "1060 1045 8:6 /lib/autobootstrap /var/lib/autobootstrap rw,relatime - xfs /dev/sda6 rw,attr2,inode64,logbufs=8,logbsize=32k,noquota";
const talos = (...extra: string[]) => [ROOT, PROC, DEV, SYSTEM, ...extra].join("\n") + "\n";

describe("parseMountinfo()", () => {
  it("reads every field, with or without optional fields, and skips lines it cannot read", () => {
    const entries = parseMountinfo([DEV, "garbage line", "", "1 2 3:4 / /x rw shared:1 master:3 - ext4 /dev/vda rw"].join("\n"));
    expect(entries).toEqual([
      { id: 1047, parent: 1045, majorMinor: "0:6", mountPoint: "/dev", fstype: "devtmpfs", source: "devtmpfs", options: ["ro", "relatime"], superOptions: ["rw", "size=4010072k", "nr_inodes=1002518", "mode=755"] },
      { id: 1, parent: 2, majorMinor: "3:4", mountPoint: "/x", fstype: "ext4", source: "/dev/vda", options: ["rw"], superOptions: ["rw"] },
    ]);
  });

  it("unescapes octal escapes in mount points and sources, and keeps a mount point named -", () => {
    expect(unescapeMountinfo("/a\\040b\\011c\\134d\\012e")).toBe("/a b\tc\\d\ne");
    const [e] = parseMountinfo("7 1 8:1 / /mnt/my\\040disk rw - xfs /dev/disk/by-label/my\\040label rw\n8 1 8:2 / - rw - xfs /dev/sdb rw");
    expect(e?.mountPoint).toBe("/mnt/my disk");
    expect(e?.source).toBe("/dev/disk/by-label/my label");
    expect(parseMountinfo("8 1 8:2 / - rw - xfs /dev/sdb rw")[0]?.mountPoint).toBe("-");
  });
});

describe("coveringMount()", () => {
  it("takes the deepest mount point above the path, not a sibling sharing its prefix", () => {
    const entries = parseMountinfo(talos("1070 1045 8:6 / /var rw - xfs /dev/sda6 rw", "1071 1070 0:50 / /var/lib/autobootstrap2 rw - tmpfs tmpfs rw"));
    expect(coveringMount(entries, DIR)?.mountPoint).toBe("/var");
  });

  it("of two mounts stacked on one point, takes the top one whatever the line order", () => {
    const bottom = "1060 1045 8:6 /lib/autobootstrap /var/lib/autobootstrap rw - xfs /dev/sda6 rw";
    const top = "1061 1060 0:51 / /var/lib/autobootstrap rw - tmpfs hidden rw";
    expect(coveringMount(parseMountinfo([top, bottom].join("\n")), DIR)?.source).toBe("hidden");
    expect(coveringMount(parseMountinfo([bottom, top].join("\n")), DIR)?.source).toBe("hidden");
  });
});

describe("judgeBallotMount()", () => {
  it("accepts the bind of EPHEMERAL's directory as Talos makes it", () => {
    const v = judgeBallotMount(talos(BALLOTS), DIR);
    expect(v).toMatchObject({ kind: "persistent", mount: { mountPoint: DIR, fstype: "xfs", source: "/dev/sda6" } });
  });

  it("refuses a tmpfs or ramfs, naming the mount point, the filesystem and the source", () => {
    for (const fs of ["tmpfs", "ramfs"]) {
      const v = judgeBallotMount(talos(`1060 1045 0:60 / ${DIR} rw,relatime - ${fs} scratch rw`), DIR);
      expect(v).toMatchObject({ kind: "refused", why: "memory" });
      expect(v.kind === "refused" && v.reason).toBe(`${DIR} is on ${fs} (mount point ${DIR}, source scratch), a memory filesystem: ballots would be lost at reboot`);
    }
  });

  it("refuses the container's own root when the bind is missing", () => {
    const v = judgeBallotMount(talos(), DIR);
    expect(v).toMatchObject({ kind: "refused", why: "not-disk", mount: { mountPoint: "/", fstype: "overlay" } });
  });

  it("refuses a read-only bind, and a filesystem whose superblock is read-only", () => {
    expect(judgeBallotMount(talos(BALLOTS.replace(" rw,relatime - ", " ro,relatime - ")), DIR)).toMatchObject({ why: "read-only" });
    expect(judgeBallotMount(talos(BALLOTS.replace(" rw,attr2", " ro,attr2")), DIR)).toMatchObject({ why: "read-only" });
  });

  it("refuses a tmpfs stacked over the XFS bind", () => {
    const v = judgeBallotMount(talos(BALLOTS, `1061 1060 0:61 / ${DIR} rw - tmpfs over rw`), DIR);
    expect(v).toMatchObject({ kind: "refused", why: "memory", mount: { source: "over" } });
  });

  it("matches a path holding a space, escaped as \\040", () => {
    const dir = "/var/lib/auto bootstrap";
    const v = judgeBallotMount(talos("1060 1045 0:60 / /var/lib/auto\\040bootstrap rw - tmpfs my\\040scratch rw"), dir);
    expect(v.kind === "refused" && v.reason).toContain("(mount point /var/lib/auto bootstrap, source my scratch)");
  });

  it("refuses when no mount covers the directory (unreadable mountinfo)", () => {
    expect(judgeBallotMount("", DIR)).toMatchObject({ kind: "refused", why: "no-mount", mount: null });
  });
});

describe("readBallotMount()", () => {
  it("judges the directory against the mountinfo file it is given", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mountinfo-"));
    try {
      await writeFile(join(dir, "mountinfo"), talos(BALLOTS));
      expect(await readBallotMount(DIR, join(dir, "mountinfo"))).toMatchObject({ kind: "persistent" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
