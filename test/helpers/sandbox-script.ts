// The shell script that builds a sandbox's private root inside a fresh mount
// namespace and then execs the program chrooted into it. Pure text, so its
// shape can be read and tested without root. Nothing it mounts is visible on
// the host: it runs under `unshare -m --propagation private`.

export interface BlockNode {
  /** Path under /dev inside the sandbox, e.g. "loop3". */
  readonly name: string;
  readonly major: number;
  readonly minor: number;
}

export interface SandboxLayout {
  /** Host directory the new root is mounted on (a run-named temp dir). */
  readonly root: string;
  /** Host paths bound read-only at the same path inside (/usr, /etc, the repo…). */
  readonly readOnly: readonly string[];
  /** Host files bound read-only one by one (a node outside /usr and its libraries). */
  readonly readOnlyFiles: readonly { readonly source: string; readonly target: string }[];
  /** Top-level symlinks such as /bin → usr/bin (merged-usr hosts). */
  readonly symlinks: readonly { readonly path: string; readonly target: string }[];
  /** Block devices created under /dev. */
  readonly blockNodes: readonly BlockNode[];
  /** Symlinks under /dev, e.g. disk/by-partlabel/STATE → ../../loop3. */
  readonly devLinks: readonly { readonly path: string; readonly target: string }[];
  /** Host device mounted read-only as XFS on /system/state (Talos ≤ 1.9); null leaves it empty. */
  readonly stateMount: string | null;
  /** Host directory bound read-write on /var/lib/autobootstrap (on a disk filesystem, as EPHEMERAL is). */
  readonly varLibDir: string;
  /** A tmpfs on /var/lib/autobootstrap instead of the bind: the agent must refuse to vote there. */
  readonly varLibTmpfs: boolean;
  readonly env: Readonly<Record<string, string>>;
  readonly argv: readonly string[];
  readonly cwd: string;
}

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Character devices a program expects; nothing else of the host's /dev is visible. */
const CHAR_NODES = [
  ["null", 1, 3],
  ["zero", 1, 5],
  ["full", 1, 7],
  ["random", 1, 8],
  ["urandom", 1, 9],
] as const;

export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** sandboxScript renders the setup; run it with `sh -c` under unshare -m. */
export function sandboxScript(l: SandboxLayout): string {
  const R = (p: string) => shq(`${l.root}${p}`);
  const out = ["set -eu", `mount -t tmpfs -o mode=0755 abt-root ${shq(l.root)}`];
  // /tmp first: a checkout under /tmp (a CI clone) is bound below it next, and
  // a tmpfs mounted later would hide it.
  out.push(`mkdir -p ${R("/tmp")}`, `mount -t tmpfs -o mode=1777,nosuid,nodev abt-tmp ${R("/tmp")}`);
  for (const p of l.readOnly) out.push(`mkdir -p ${R(p)}`, `mount --bind -o ro ${shq(p)} ${R(p)}`);
  for (const s of l.symlinks) out.push(`ln -s ${shq(s.target)} ${R(s.path)}`);
  // Targets lie outside every directory and symlink above, so their parents can be made in the root tmpfs.
  for (const f of l.readOnlyFiles) {
    const dir = f.target.split("/").slice(0, -1).join("/");
    if (dir !== "") out.push(`mkdir -p ${R(dir)}`);
    out.push(`touch ${R(f.target)}`, `mount --bind -o ro ${shq(f.source)} ${R(f.target)}`);
  }
  out.push(`mkdir -p ${R("/proc")} ${R("/sys")}`, `mount -t proc proc ${R("/proc")}`);
  // A fresh sysfs shows this network namespace's interfaces, as on the node.
  out.push(`mount -t sysfs -o ro sysfs ${R("/sys")}`);
  out.push(`mkdir -p ${R("/dev")}`, `mount -t tmpfs -o mode=0755,nosuid abt-dev ${R("/dev")}`);
  for (const [name, major, minor] of CHAR_NODES) {
    out.push(`mknod -m 0666 ${R(`/dev/${name}`)} c ${major} ${minor}`);
  }
  out.push(
    `ln -s /proc/self/fd ${R("/dev/fd")}`,
    `ln -s /proc/self/fd/0 ${R("/dev/stdin")}`,
    `ln -s /proc/self/fd/1 ${R("/dev/stdout")}`,
    `ln -s /proc/self/fd/2 ${R("/dev/stderr")}`,
    `mkdir -p ${R("/dev/shm")}`,
  );
  for (const b of l.blockNodes) out.push(`mknod -m 0660 ${R(`/dev/${b.name}`)} b ${b.major} ${b.minor}`);
  for (const d of l.devLinks) {
    const dir = d.path.split("/").slice(0, -1).join("/");
    if (dir !== "") out.push(`mkdir -p ${R(`/dev/${dir}`)}`);
    out.push(`ln -s ${shq(d.target)} ${R(`/dev/${d.path}`)}`);
  }
  out.push(`mkdir -p -m 0700 ${R("/system/state")}`);
  if (l.stateMount !== null) out.push(`mount -t xfs -o ro ${shq(l.stateMount)} ${R("/system/state")}`);
  out.push(`mkdir -p ${R("/var/lib/autobootstrap")}`);
  if (l.varLibTmpfs) out.push(`mount -t tmpfs -o mode=0700 abt-varlib ${R("/var/lib/autobootstrap")}`);
  else out.push(`mount --bind ${shq(l.varLibDir)} ${R("/var/lib/autobootstrap")}`);
  // Like an extension's rootfs, the root itself is read-only; only the mounts above can be written.
  out.push(`mount -o remount,ro ${shq(l.root)}`);
  const env = Object.entries({ PATH: DEFAULT_PATH, ...l.env }).map(([k, v]) => shq(`${k}=${v}`));
  out.push(`exec chroot ${shq(l.root)} /usr/bin/env -i -C ${shq(l.cwd)} -- ${env.join(" ")} ${l.argv.map(shq).join(" ")}`);
  return `${out.join("\n")}\n`;
}
