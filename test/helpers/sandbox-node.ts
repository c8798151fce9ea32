// The node binary a sandbox runs (process.execPath) wherever it is installed:
// under /usr it is already inside (the sandbox binds /usr read-only); anywhere
// else (/opt, ~/.nvm, a CI tool cache) the binary and every shared library the
// loader would map for it are bound read-only at the paths the loader uses.
import { execFileSync } from "node:child_process";
import { accessSync, constants, realpathSync, statSync } from "node:fs";

/** A host file bound read-only at `target` inside the sandbox. */
export interface FileBind {
  readonly source: string;
  readonly target: string;
}

const LDD_DEADLINE_MS = 10_000;

/**
 * parseLdd takes the absolute paths out of `ldd` output: "libx.so => /path (0x…)"
 * and the loader's own "/lib64/ld-linux-x86-64.so.2 (0x…)". The vDSO has none.
 */
export function parseLdd(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const m = /=>\s+(\/\S+)\s+\(/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m?.[1] !== undefined && !out.includes(m[1])) out.push(m[1]);
  }
  return out;
}

const under = (path: string, dirs: readonly string[]): boolean => dirs.some((d) => path === d || path.startsWith(`${d}/`));

/**
 * bindsFor lists what to bind so every file in `files` (as the loader names
 * it) resolves inside a sandbox that already shows `visible` (directories and
 * top-level symlinks, by their host paths). `real` resolves host symlinks.
 */
export function bindsFor(files: readonly string[], visible: readonly string[], real: (p: string) => string): FileBind[] {
  const binds: FileBind[] = [];
  const add = (source: string, target: string) => {
    if (!binds.some((b) => b.target === target)) binds.push({ source, target });
  };
  for (const f of files) {
    const r = real(f);
    // The file itself may be a symlink out of a visible tree (/usr/lib/x → /opt/y/x).
    if (!under(r, visible)) add(r, r);
    // ...or named through a path the sandbox does not have (/opt/node/lib/x).
    if (!under(f, visible) && f !== r) add(r, f);
  }
  return binds;
}

/** nodeFiles is process.execPath and its shared libraries, or why they cannot be listed. */
export function nodeFiles(exe = process.execPath): { kind: "ok"; files: string[] } | { kind: "error"; reason: string } {
  try {
    if (!statSync(exe).isFile()) return { kind: "error", reason: `${exe} is not a regular file` };
    accessSync(exe, constants.R_OK | constants.X_OK);
  } catch (err) {
    return { kind: "error", reason: `cannot read ${exe}: ${(err as Error).message}` };
  }
  let text: string;
  try {
    text = execFileSync("ldd", [exe], { encoding: "utf8", timeout: LDD_DEADLINE_MS, stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    // A static binary needs no library: ldd says so and exits 1.
    if (/not a dynamic executable/.test(`${e.stdout ?? ""}${e.stderr ?? ""}`)) return { kind: "ok", files: [exe] };
    return { kind: "error", reason: `cannot list the libraries of ${exe} (ldd): ${e.message.split("\n")[0]}` };
  }
  return { kind: "ok", files: [exe, ...parseLdd(text)] };
}

/** nodeBinds is what a sandbox showing `visible` must add for process.execPath to run in it. */
export function nodeBinds(visible: readonly string[]): FileBind[] {
  const found = nodeFiles();
  if (found.kind === "error") throw new Error(`the sandbox cannot run node: ${found.reason}`);
  return bindsFor(found.files, visible, (p) => realpathSync(p));
}
