// Why a root-only suite cannot run here, as one line, or null when it can.
// Specs skip with that line instead of passing silently.
import { accessSync, constants, existsSync, readFileSync } from "node:fs";

export type Need = "root" | "netns" | "firewall" | "loop" | "xfs" | "luks" | "sandbox" | "node";

const TOOLS: Record<Need, readonly string[]> = {
  root: [],
  netns: ["ip"],
  firewall: [],
  loop: ["losetup"],
  xfs: ["mkfs.xfs"],
  luks: ["cryptsetup"],
  sandbox: ["unshare", "chroot", "mount", "env"],
  node: [],
};

const PATH_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

export function which(tool: string): string | null {
  for (const dir of PATH_DIRS) {
    try {
      accessSync(`${dir}/${tool}`, constants.X_OK);
      return `${dir}/${tool}`;
    } catch {
      // Not in this directory.
    }
  }
  return null;
}

/**
 * Device-mapper in the kernel: LUKS volumes can really be opened (else a stand-in is used).
 * Asks /proc/misc, not /dev/mapper/control: libdevmapper creates that node even when the driver is absent.
 */
export function hasDeviceMapper(): boolean {
  try {
    return /\bdevice-mapper\b/.test(readFileSync("/proc/misc", "utf8"));
  } catch {
    return false;
  }
}

/** skipReason(["netns", "loop"]) → "needs root (uid 1000)" | "needs nft or iptables" | null. */
export function skipReason(needs: readonly Need[]): string | null {
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0) return `needs root (running as uid ${uid})`;
  for (const need of needs) {
    for (const tool of TOOLS[need]) if (which(tool) === null) return `needs ${tool} (for ${need})`;
    if (need === "firewall" && which("nft") === null && which("iptables") === null) {
      return "needs nft or iptables (for dropping hosts)";
    }
    if (need === "loop" && !existsSync("/dev/loop-control")) return "needs /dev/loop-control (loop devices)";
    if (need === "node" && !process.execPath.startsWith("/usr/")) {
      return `needs node under /usr (the sandbox binds /usr; this one is ${process.execPath})`;
    }
  }
  return null;
}
