// Votes only on persistent storage. A node that forgets its promise after a
// reboot can let two nominees win (docs/consent.md), and the ballot directory
// is only as durable as the mount under it: Talos binds EPHEMERAL's
// /var/lib/autobootstrap there, but a missing bind leaves the container's
// read-only root, and a tmpfs would forget everything at reboot. So before
// voting the agent looks at /proc/self/mountinfo and refuses anything but a
// writable disk filesystem. The decision is pure; readBallotMount is the I/O.
import { readFile, realpath } from "node:fs/promises";
import { BALLOT_DIR } from "./codec.js";

export interface MountEntry {
  readonly id: number;
  readonly parent: number;
  readonly majorMinor: string;
  readonly mountPoint: string;
  readonly fstype: string;
  readonly source: string;
  /** Per-mount options (field 6), e.g. ["rw", "relatime"]. */
  readonly options: readonly string[];
  /** Superblock options (the last field), e.g. ["ro", "inode64"]. */
  readonly superOptions: readonly string[];
}

export type BallotMountVerdict =
  | { readonly kind: "persistent"; readonly mount: MountEntry }
  | {
      readonly kind: "refused";
      readonly why: "memory" | "not-disk" | "read-only" | "no-mount";
      readonly mount: MountEntry | null;
      readonly reason: string;
    };

/** Filesystems held in memory: every ballot is gone after a reboot. rootfs is the initramfs. */
const MEMORY_FS = new Set(["tmpfs", "ramfs", "rootfs"]);
/** Not a disk: layered or read-only images (a container's root) and kernel pseudo filesystems. */
const NOT_DISK_FS = new Set([
  "overlay", "squashfs", "erofs", "iso9660", "proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "nsfs",
  "securityfs", "debugfs", "tracefs", "bpf", "configfs", "fusectl", "mqueue", "hugetlbfs", "pstore", "efivarfs", "autofs",
]);

/** unescapeMountinfo undoes the kernel's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
export function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** parseMountinfo reads proc(5) mountinfo lines; a line it cannot read is skipped. */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const f = line.split(" ");
    // Optional fields (shared:N, master:N…) end at a lone "-"; the mount point (f[4]) may be "-" itself.
    const dash = f.indexOf("-", 6);
    if (dash < 0) continue;
    const [id, parent, majorMinor, , mountPoint, options] = f;
    const fstype = f[dash + 1];
    const source = f[dash + 2];
    const superOptions = f[dash + 3];
    if (fstype === undefined || source === undefined || superOptions === undefined || mountPoint === undefined) continue;
    out.push({
      id: Number(id),
      parent: Number(parent),
      majorMinor: majorMinor ?? "",
      mountPoint: unescapeMountinfo(mountPoint),
      fstype,
      source: unescapeMountinfo(source),
      options: (options ?? "").split(","),
      superOptions: superOptions.split(","),
    });
  }
  return out;
}

const covers = (mountPoint: string, path: string): boolean =>
  mountPoint === path || mountPoint === "/" || path.startsWith(`${mountPoint}/`);

/** coveringMount: the mount `path` is on: the deepest mount point above it, and of mounts stacked there the top one. */
export function coveringMount(entries: readonly MountEntry[], path: string): MountEntry | null {
  const above = entries.filter((e) => covers(e.mountPoint, path));
  const deepest = Math.max(...above.map((e) => e.mountPoint.length));
  const here = above.filter((e) => e.mountPoint.length === deepest);
  // A mount stacked on another at the same point has that one as its parent.
  return here.find((e) => !here.some((o) => o.parent === e.id && o !== e)) ?? here.at(-1) ?? null;
}

/** judgeBallotMount decides whether `dir` can hold ballots, from the mountinfo text. */
export function judgeBallotMount(mountinfo: string, dir: string): BallotMountVerdict {
  const mount = coveringMount(parseMountinfo(mountinfo), dir);
  if (mount === null) return { kind: "refused", why: "no-mount", mount, reason: `no mount covers ${dir}` };
  const on = `${dir} is on ${mount.fstype} (mount point ${mount.mountPoint}, source ${mount.source})`;
  if (MEMORY_FS.has(mount.fstype)) {
    return { kind: "refused", why: "memory", mount, reason: `${on}, a memory filesystem: ballots would be lost at reboot` };
  }
  if (NOT_DISK_FS.has(mount.fstype)) {
    return { kind: "refused", why: "not-disk", mount, reason: `${on}, not a disk filesystem (is the extension's bind of ${dir} missing?)` };
  }
  if (mount.options.includes("ro") || mount.superOptions.includes("ro")) {
    return { kind: "refused", why: "read-only", mount, reason: `${on}, mounted read-only: ballots cannot be written` };
  }
  return { kind: "persistent", mount };
}

/** readBallotMount judges the ballot directory as this process sees it. */
export async function readBallotMount(dir = BALLOT_DIR, mountinfoPath = "/proc/self/mountinfo"): Promise<BallotMountVerdict> {
  const [text, real] = await Promise.all([readFile(mountinfoPath, "utf8"), realpath(dir).catch(() => dir)]);
  return judgeBallotMount(text, real);
}
