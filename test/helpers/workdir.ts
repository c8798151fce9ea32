// A run-named scratch dir for logs, var-lib dirs and specs. Kept when a run
// crashes (the logs explain it) until a later sweep removes it.
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { markRunAlive, runName } from "./run-id.js";

export interface WorkDir {
  readonly path: string;
  /** mkdir -p <path>/<sub> and return it. */
  sub(name: string, mode?: number): string;
  remove(): void;
}

let dirs = 0;

export function makeWorkDir(label = "work"): WorkDir {
  markRunAlive();
  const path = join(tmpdir(), runName(`${label}${dirs++}`));
  mkdirSync(path, { recursive: true, mode: 0o700 });
  return {
    path,
    sub: (name, mode = 0o755) => {
      const p = join(path, name);
      mkdirSync(p, { recursive: true, mode });
      return p;
    },
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}
