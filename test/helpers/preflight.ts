// Why a root-only suite cannot run here, as one line, or null when it can.
// Specs skip with that line (skipWith) instead of passing silently. Each need
// is checked by what the suite uses, not by where things are installed.
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { nodeFiles } from "./sandbox-node.js";

export type Need = "root" | "netns" | "firewall" | "loop" | "xfs" | "luks" | "sandbox" | "node";

const TOOLS: Record<Need, readonly string[]> = {
  root: [],
  netns: ["ip"],
  firewall: [],
  loop: ["losetup"],
  xfs: ["mkfs.xfs"],
  luks: ["cryptsetup"],
  sandbox: ["unshare", "chroot", "mount", "env"],
  node: ["ldd"],
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

/** The loop-control device is char 10:237 (Documentation/admin-guide/devices.txt); anything else there makes no loop device. */
const LOOP_CONTROL = { path: "/dev/loop-control", major: 10, minor: 237 } as const;

function loopControlProblem(): string | null {
  try {
    const st = statSync(LOOP_CONTROL.path);
    // Linux's dev_t: major in bits 8-19, minor in bits 0-7 and 20-31.
    const major = (st.rdev >> 8) & 0xfff;
    const minor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00);
    if (st.isCharacterDevice() && major === LOOP_CONTROL.major && minor === LOOP_CONTROL.minor) return null;
    return `${LOOP_CONTROL.path} is not the loop-control device (${st.isCharacterDevice() ? `char ${major}:${minor}` : "not a char device"})`;
  } catch (err) {
    return `${LOOP_CONTROL.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
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
    const loop = need === "loop" ? loopControlProblem() : null;
    if (loop !== null) return `needs loop devices: ${loop}`;
    // The sandbox binds the binary and its libraries wherever they are (sandbox-node.ts); it needs to list them.
    const node = need === "node" ? nodeFiles() : null;
    if (node?.kind === "error") return `needs a node binary the sandbox can bind: ${node.reason}`;
  }
  return null;
}
