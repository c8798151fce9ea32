// Runs the extension's service inside an unpacked container root the way
// Talos does, minus containerd: a private mount namespace (`unshare -m`, so
// every mount vanishes with the process), /proc, the service definition's bind
// mounts with test stand-ins as sources, then `chroot` — node sees no host
// library, only what the image ships. The network namespace is the host's, as
// for a Talos extension, so loopback servers are reachable.
import { copyFile, mkdir, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { run, type CmdResult } from "../helpers/cmd.js";

// containerd's default PATH for a container process.
const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const RUN_DEADLINE_MS = 60_000;

export interface ServiceSpec {
  readonly container: {
    readonly entrypoint: string;
    readonly args?: readonly string[];
    readonly environment?: readonly string[];
    readonly mounts?: readonly { readonly source: string; readonly destination: string; readonly options: readonly string[] }[];
  };
}

export interface InRootOptions {
  /** The container root on the host (…/rootfs/usr/local/lib/containers/autobootstrap); writable: mount points are created in it. */
  readonly root: string;
  /** Appended to the service's args: ["--version"], ["--dry-run"]. */
  readonly extraArgs?: readonly string[];
  /** The ExtensionServiceConfig `environment`: applied after the service's own. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Host stand-ins for the service's mount sources, by source path:
   * { "/system": tmpSystem, "/var/lib/autobootstrap": tmpBallots }.
   * A mount whose source has no stand-in is left out.
   */
  readonly sources?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  /** A static qemu-user binary, to run another arch's root: copied into it and put before the entrypoint. */
  readonly emulator?: string;
}

const EMULATOR_IN_ROOT = "/.qemu-user-static";

const sq = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/** runService runs SPEC's entrypoint and args in the root; never throws for a non-zero exit. */
export async function runService(spec: ServiceSpec, o: InRootOptions): Promise<CmdResult> {
  const c = spec.container;
  const env = new Map<string, string>([["PATH", DEFAULT_PATH]]);
  for (const e of c.environment ?? []) {
    const i = e.indexOf("=");
    env.set(e.slice(0, i), e.slice(i + 1));
  }
  for (const [k, v] of Object.entries(o.env ?? {})) env.set(k, v);

  const lines = ["set -eu", `mkdir -p ${sq(join(o.root, "proc"))}`, `mount -t proc proc ${sq(join(o.root, "proc"))}`];
  for (const m of c.mounts ?? []) {
    const source = o.sources?.[m.source];
    if (source === undefined) continue;
    const target = join(o.root, m.destination);
    // A bind needs a target of the source's kind: a directory, or a file to cover.
    if ((await stat(source)).isDirectory()) await mkdir(target, { recursive: true });
    else {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, "", { flag: "a" });
    }
    lines.push(`mount ${m.options.includes("rbind") ? "--rbind" : "--bind"} ${sq(source)} ${sq(target)}`);
    if (m.options.includes("rslave")) lines.push(`mount --make-rslave ${sq(target)}`);
    if (m.options.includes("ro")) lines.push(`mount -o remount,bind,ro ${sq(target)}`);
  }
  const envArgs = [...env].map(([k, v]) => sq(`${k}=${v}`)).join(" ");
  const prefix: string[] = [];
  if (o.emulator !== undefined) {
    await copyFile(o.emulator, join(o.root, EMULATOR_IN_ROOT));
    prefix.push(EMULATOR_IN_ROOT);
  }
  const argv = [...prefix, c.entrypoint, ...(c.args ?? []), ...(o.extraArgs ?? [])].map(sq).join(" ");
  // exec all the way down: unshare, sh, env, chroot and node share one pid, so
  // the deadline's SIGKILL reaches node itself.
  lines.push(`exec env -i ${envArgs} chroot ${sq(o.root)} ${argv}`);
  try {
    return await run(["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", lines.join("\n")], {
      timeoutMs: o.timeoutMs ?? RUN_DEADLINE_MS,
    });
  } finally {
    // The root must hold only what the image holds once we are done.
    if (o.emulator !== undefined) await rm(join(o.root, EMULATOR_IN_ROOT), { force: true });
  }
}
