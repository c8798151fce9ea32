// Runs a program (the agent) as it runs on Talos: FIXED paths, no overrides.
// Inside its own mount namespace it gets a private read-only root with /dev
// holding only STATE's device nodes, /system/state (empty, or the XFS mounted
// read-only), /var/lib/autobootstrap bound from a host temp dir (on a disk
// filesystem, as EPHEMERAL is: the agent refuses to vote on tmpfs), a tmpfs
// /tmp, and only the env it is given. Optionally inside one of our network namespaces.
import { existsSync, lstatSync, mkdirSync, readlinkSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { majorMinor } from "./loop.js";
import { startProcess, type ManagedProcess } from "./process.js";
import { markRunAlive, onExitLastResort, runName } from "./run-id.js";
import { nodeBinds } from "./sandbox-node.js";
import { sandboxScript, type BlockNode, type SandboxLayout } from "./sandbox-script.js";
import type { StateVolume } from "./state-image.js";

/** The checkout holding dist/ and node_modules: bound read-only at the same path inside. */
export const REPO_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** A block device on the host: a path, or anything with one (a LoopDevice). */
export type DeviceRef = string | { readonly device: string };

export type SandboxState =
  /** No STATE partition at all. */
  | { readonly kind: "none" }
  /** Talos ≥ 1.10: raw XFS at by-partlabel/STATE, /system/state empty. */
  | { readonly kind: "device"; readonly loop: DeviceRef }
  /** Talos ≤ 1.9: the same, and the XFS mounted (read-only here) on /system/state. */
  | { readonly kind: "mounted"; readonly loop: DeviceRef }
  /** Encrypted: LUKS at by-partlabel/STATE, the XFS at /dev/mapper/<name> for each name (default luks2-STATE, ≥ 1.12). */
  | {
      readonly kind: "luks";
      readonly loop: DeviceRef;
      readonly mapperDev: DeviceRef;
      readonly mapperNames?: readonly string[];
      readonly mounted?: boolean;
    };

export interface SandboxOptions {
  /**
   * A namespace of ours (TestHost.ns). Absent: the host's network — only for
   * programs that open no sockets; never the agent, whose scan would reach real hosts.
   */
  readonly netns?: string;
  readonly state: SandboxState;
  /** Host dir seen as /var/lib/autobootstrap (read-write); it must not be on tmpfs or ramfs. */
  readonly varLibDir: string;
  /** Mount a tmpfs on /var/lib/autobootstrap instead (varLibDir unused): a node the agent must refuse. */
  readonly varLibTmpfs?: boolean;
  /** The whole environment inside (PATH is added unless given). */
  readonly env: Readonly<Record<string, string>>;
  readonly argv: readonly string[];
  /** stdout + stderr of the program (and of the setup, should it fail). */
  readonly logFile: string;
  /** Working directory inside; default "/". */
  readonly cwd?: string;
}

export interface SandboxProcess extends ManagedProcess {
  /** Host dir the sandbox root is mounted on (empty as seen from the host). */
  readonly rootDir: string;
}

let sandboxes = 0;

/** statfs f_type of memory filesystems (linux/magic.h). */
const MEMORY_FS_MAGIC = new Map([
  [0x01021994, "tmpfs"],
  [0x858458f6, "ramfs"],
]);

/** assertDiskBacked: the agent refuses ballots on tmpfs, so a sandbox's ballot dir must be on a disk. */
export function assertDiskBacked(dir: string): void {
  const fs = MEMORY_FS_MAGIC.get(Number(statfsSync(dir).type));
  if (fs !== undefined) {
    throw new Error(
      `${dir} is on ${fs}, where the agent refuses to keep ballots; set TMPDIR to a directory on a disk filesystem (hack/test.sh uses /var/tmp when /tmp is ${fs})`,
    );
  }
}

const path = (d: DeviceRef) => (typeof d === "string" ? d : d.device);

/** Talos ≤ 1.11 names the mapping after the partition: /dev/mapper/<partition basename>-encrypted. */
export function legacyMapperName(partition: DeviceRef): string {
  return `${basename(path(partition))}-encrypted`;
}

/** sandboxState turns a STATE volume into what the sandbox shows for one Talos generation. */
export function sandboxState(v: StateVolume, mode: "device" | "mounted", mapperNames?: readonly string[]): SandboxState {
  if (v.mapper === null) return { kind: mode, loop: v.partition };
  return {
    kind: "luks",
    loop: v.partition,
    mapperDev: v.xfsDevice,
    mounted: mode === "mounted",
    ...(mapperNames !== undefined ? { mapperNames } : {}),
  };
}

/** The host's top level as the sandbox shows it, plus node wherever it is installed. */
function hostTopLevel(): Pick<SandboxLayout, "readOnly" | "readOnlyFiles" | "symlinks"> {
  const readOnly = ["/usr", "/etc"];
  const symlinks: { path: string; target: string }[] = [];
  // On merged-usr hosts these are symlinks into /usr; copy the link, else bind the dir.
  for (const p of ["/bin", "/sbin", "/lib", "/lib64"]) {
    if (!existsSync(p)) continue;
    if (lstatSync(p).isSymbolicLink()) symlinks.push({ path: p, target: readlinkSync(p) });
    else readOnly.push(p);
  }
  readOnly.push(REPO_ROOT);
  const readOnlyFiles = nodeBinds([...readOnly, ...symlinks.map((s) => s.path)]);
  return { readOnly, readOnlyFiles, symlinks };
}

function devices(state: SandboxState): Pick<SandboxLayout, "blockNodes" | "devLinks" | "stateMount"> {
  if (state.kind === "none") return { blockNodes: [], devLinks: [], stateMount: null };
  const node = (d: DeviceRef): BlockNode => ({ name: basename(path(d)), ...majorMinor(path(d)) });
  const part = node(state.loop);
  const partLink = { path: "disk/by-partlabel/STATE", target: `../../${part.name}` };
  if (state.kind !== "luks") {
    return { blockNodes: [part], devLinks: [partLink], stateMount: state.kind === "mounted" ? path(state.loop) : null };
  }
  const mapped = node(state.mapperDev);
  const names = state.mapperNames ?? ["luks2-STATE"];
  return {
    blockNodes: [part, mapped],
    devLinks: [partLink, ...names.map((n) => ({ path: `mapper/${n}`, target: `../${mapped.name}` }))],
    stateMount: state.mounted === true ? path(state.mapperDev) : null,
  };
}

/** spawnInSandbox starts argv in the sandbox; stop() / kill() go to the program's pid itself. */
export async function spawnInSandbox(opts: SandboxOptions): Promise<SandboxProcess> {
  markRunAlive();
  for (const k of Object.keys(opts.env)) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`bad env name "${k}"`);
  if (opts.argv[0] === undefined || opts.argv[0].includes("=")) throw new Error("argv[0] must be a program path");
  if (opts.varLibTmpfs !== true) assertDiskBacked(opts.varLibDir);
  const dir = join(tmpdir(), runName(`sbx${sandboxes++}`));
  const rootDir = join(dir, "root");
  mkdirSync(rootDir, { recursive: true, mode: 0o700 });
  const layout: SandboxLayout = {
    root: rootDir,
    ...hostTopLevel(),
    ...devices(opts.state),
    varLibDir: resolve(opts.varLibDir),
    varLibTmpfs: opts.varLibTmpfs === true,
    env: opts.env,
    argv: opts.argv,
    cwd: opts.cwd ?? "/",
  };
  const script = join(dir, "setup.sh");
  writeFileSync(script, sandboxScript(layout), { mode: 0o600 });
  // ip netns exec and unshare both exec (no fork), and so do sh, chroot and env: the pid is the program's.
  const netns = opts.netns !== undefined ? ["ip", "netns", "exec", opts.netns] : [];
  const argv = [...netns, "unshare", "-m", "--propagation", "private", "/bin/sh", script];
  const p = await startProcess(argv, { logFile: opts.logFile, env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" } });
  // The dir holds only the script and an empty mount point (mounts live in the child's namespace).
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  const forget = onExitLastResort(removeDir);
  void p.exited.then(() => {
    removeDir();
    forget();
  });
  return { ...p, rootDir };
}
