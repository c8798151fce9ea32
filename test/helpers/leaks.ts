// What this run still holds on the host, by name. A suite ends by asserting
// all of it is empty: namespaces, loops, mappings, mounts, temp dirs.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { run } from "./cmd.js";
import { PREFIX, runId } from "./run-id.js";

export interface Leftovers {
  readonly netns: string[];
  readonly loops: string[];
  readonly mappers: string[];
  readonly mounts: string[];
  readonly tempDirs: string[];
}

export async function leftovers(id = runId): Promise<Leftovers> {
  const tag = `${PREFIX}${id}-`;
  const ns = await run(["ip", "netns", "list"]);
  const loops = readdirSync("/sys/block")
    .filter((d) => d.startsWith("loop"))
    .filter((d) => {
      try {
        return readFileSync(`/sys/block/${d}/loop/backing_file`, "utf8").includes(`/${tag}`);
      } catch {
        return false;
      }
    });
  return {
    netns: ns.stdout.split("\n").map((l) => l.split(" ")[0] ?? "").filter((n) => n.startsWith(tag)),
    loops: loops.map((d) => `/dev/${d}`),
    mappers: existsSync("/dev/mapper") ? readdirSync("/dev/mapper").filter((n) => n.startsWith(tag)) : [],
    mounts: readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(`/${tag}`)),
    tempDirs: readdirSync(tmpdir()).filter((n) => n.startsWith(tag)),
  };
}
