// The mount-propagation experiment behind the service definition's /system
// bind, as one shell script run in a private mount namespace of the test (so
// nothing here touches the real /system). Inside it: a shared tmpfs stands for
// Talos's /system (Talos's init mounts the root shared, so /system and what is
// mounted under it are shared), the STATE XFS is mounted read-only on its
// state/ as Talos 1.10–1.11 do on demand, then a "container" is made as runc
// makes one (a new mount namespace turned rslave, a private root, the bind
// with the extension's options), and the host side unmounts STATE and mounts
// it read-write, as machined's next on-demand mount does.
import { shq } from "../helpers/sandbox-script.js";

export interface BindUnderTest {
  /** Host path (as on the node), under / of the stand-in host. */
  readonly source: string;
  readonly destination: string;
  readonly options: readonly string[];
}

export interface PropagationPaths {
  /** Block device holding the XFS (with a config.yaml). */
  readonly device: string;
  /** "major:minor" of the device, as /proc/<pid>/mountinfo shows it. */
  readonly majorMinor: string;
  /** An empty run-named dir: the stand-in host root and the container root go below it. */
  readonly base: string;
}

/** Longest a "container" lives, should the script's shell die without closing its pipe. */
const HOLD_SECONDS = 120;

/** bindCommands renders a service-definition bind as runc performs it: bind, then propagation, then ro. */
export function bindCommands(from: string, to: string, options: readonly string[]): string[] {
  const out = [`mkdir -p ${shq(to)}`, `mount ${options.includes("rbind") ? "--rbind" : "--bind"} ${shq(from)} ${shq(to)}`];
  for (const p of ["rslave", "slave", "rshared", "shared", "rprivate", "private"]) {
    if (options.includes(p)) out.push(`mount --make-${p} ${shq(to)}`);
  }
  if (options.includes("ro")) out.push(`mount -o remount,bind,ro ${shq(to)}`);
  return out;
}

/**
 * propagationScript prints `RESULT <key> <value>` lines:
 * seen-at-start, config-read, umount, seen-after-umount, mount-rw (exit
 * codes 0 or not; counts of the container's mounts of the device), and the
 * stderr of a failed mount as `RESULT mount-rw-error <text>`; then, once the
 * container is gone, mount-rw-after-exit.
 */
export function propagationScript(p: PropagationPaths, bind: BindUnderTest): string {
  const host = `${p.base}/host`;
  const croot = `${p.base}/container`;
  const state = `${host}/system/state`;
  const hold = `${p.base}/hold`;
  const container = [
    "set -eu",
    `mount -t tmpfs -o mode=0755 abt-croot ${shq(croot)}`,
    ...bindCommands(`${host}${bind.source}`, `${croot}${bind.destination}`, bind.options),
    "echo ready",
    // Lives until the script closes its end of the fifo (or dies).
    `exec timeout ${HOLD_SECONDS} cat`,
  ].join("\n");
  const seen = "grep -c \" $MM \" /proc/$C/mountinfo || true";
  return [
    "set -u",
    `MM=${shq(p.majorMinor)}`,
    `mkdir -p ${shq(host)} ${shq(croot)}`,
    `mount -t tmpfs -o mode=0755 abt-host ${shq(host)}`,
    `mkdir ${shq(`${host}/system`)}`,
    `mount -t tmpfs -o mode=0755 abt-system ${shq(`${host}/system`)}`,
    `mount --make-shared ${shq(`${host}/system`)}`,
    `mkdir ${shq(state)}`,
    `mount -t xfs -o ro ${shq(p.device)} ${shq(state)} || { echo "RESULT setup-failed mount"; exit 1; }`,
    `mkfifo ${shq(hold)}`,
    `unshare -m --propagation slave sh -c ${shq(container)} < ${shq(hold)} > ${shq(`${p.base}/container.out`)} 2>&1 &`,
    "C=$!",
    `exec 5> ${shq(hold)}`,
    `for _ in $(seq 100); do grep -q ready ${shq(`${p.base}/container.out`)} && break; sleep 0.1; done`,
    `grep -q ready ${shq(`${p.base}/container.out`)} || { echo "RESULT setup-failed container"; cat ${shq(`${p.base}/container.out`)}; exit 1; }`,
    `echo "RESULT seen-at-start $(${seen})"`,
    `if nsenter -t "$C" -m cat ${shq(`${croot}${bind.destination}${"/system/state".slice(bind.source.length)}/config.yaml`)} >/dev/null 2>&1; then echo "RESULT config-read 0"; else echo "RESULT config-read 1"; fi`,
    `umount ${shq(state)}; echo "RESULT umount $?"`,
    `echo "RESULT seen-after-umount $(${seen})"`,
    `if err=$(mount -t xfs -o rw ${shq(p.device)} ${shq(state)} 2>&1); then echo "RESULT mount-rw 0"; else echo "RESULT mount-rw 1"; echo "RESULT mount-rw-error $err" | head -1; fi`,
    `umount ${shq(state)} 2>/dev/null`,
    `echo "RESULT seen-at-end $(${seen})"`,
    // Close the container's pipe: it exits, and its namespace with it.
    "exec 5>&-",
    "wait $C",
    `if mount -t xfs -o rw ${shq(p.device)} ${shq(state)} 2>/dev/null; then echo "RESULT mount-rw-after-exit 0"; umount ${shq(state)}; else echo "RESULT mount-rw-after-exit 1"; fi`,
    "",
  ].join("\n");
}

/** results parses the RESULT lines into key → value. */
export function results(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split("\n")) {
    const m = /^RESULT (\S+) ?(.*)$/.exec(line);
    if (m !== null) out[m[1] as string] = m[2] as string;
  }
  return out;
}
