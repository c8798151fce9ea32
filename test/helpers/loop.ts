// Loop devices over image files in our own temp dirs. The backing file's path
// carries the run id, which is how a sweep recognises a loop as ours.
import { readFileSync, realpathSync } from "node:fs";
import { basename } from "node:path";
import { run, runOk, runSync } from "./cmd.js";
import { onExitLastResort } from "./run-id.js";

export interface LoopDevice {
  /** "/dev/loop3" */
  readonly device: string;
  readonly backingFile: string;
  /** Detach (idempotent). A device still mounted somewhere is auto-cleared when released. */
  detach(): Promise<void>;
}

/** attachLoop: losetup --find --show <file>, detached on teardown or process exit. */
export async function attachLoop(file: string): Promise<LoopDevice> {
  const real = realpathSync(file);
  const device = (await runOk(["losetup", "--find", "--show", real])).trim();
  if (!/^\/dev\/loop\d+$/.test(device)) throw new Error(`losetup gave "${device}"`);
  const forget = onExitLastResort(() => {
    if (backingOf(device) === real) runSync(["losetup", "-d", device]);
  });
  let detaching: Promise<void> | null = null;
  const detach = () =>
    (detaching ??= (async () => {
      // Only our device, and only while it still points at our file: the number may be reused.
      if (backingOf(device) === real) await run(["losetup", "-d", device]);
      forget();
    })());
  return { device, backingFile: file, detach };
}

/** backingOf reads /sys (no tool call): the file behind a loop device, or null. */
export function backingOf(device: string): string | null {
  try {
    return readFileSync(`/sys/block/${basename(device)}/loop/backing_file`, "utf8").trim();
  } catch {
    return null;
  }
}

/** majorMinor of a block device from /sys/class/block/<name>/dev ("7:3"), following /dev symlinks. */
export function majorMinor(device: string): { major: number; minor: number } {
  const name = basename(realpathSync(device));
  const [major, minor] = readFileSync(`/sys/class/block/${name}/dev`, "utf8").trim().split(":").map(Number);
  if (major === undefined || minor === undefined || Number.isNaN(major) || Number.isNaN(minor)) {
    throw new Error(`no major:minor for ${device}`);
  }
  return { major, minor };
}
