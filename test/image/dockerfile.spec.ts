// Docker does not run where this project is developed, so the Dockerfile is
// checked for drift instead: what it copies exists, its bundle stage copies
// everything the bundle is built from, and it assembles the root with the
// same script as hack/image/build.sh.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { REPO } from "./image.js";

interface Stage {
  readonly from: string;
  readonly lines: readonly string[];
}

/** stages splits the Dockerfile into FROM blocks, joining continued lines. */
async function stages(): Promise<Stage[]> {
  const text = (await readFile(join(REPO, "Dockerfile"), "utf8")).replaceAll(/\\\n/g, " ");
  const out: { from: string; lines: string[] }[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("FROM ")) out.push({ from: line, lines: [] });
    else out.at(-1)?.lines.push(line);
  }
  return out;
}

/** copySources: the repo paths of a stage's `COPY` lines (not `COPY --from`). */
const copySources = (s: Stage): string[] =>
  s.lines
    .filter((l) => l.startsWith("COPY ") && !l.includes("--from="))
    .flatMap((l) => l.split(/\s+/).slice(1, -1));

describe("Dockerfile", () => {
  it("copies only paths that exist", async () => {
    const missing = (await stages()).flatMap(copySources).filter((p) => !existsSync(join(REPO, p)));
    expect(missing).toEqual([]);
  });

  it("copies into its bundle stage every file the bundle is built from", async () => {
    const [bundle] = await stages();
    const copied = copySources(bundle as Stage);
    // The options of hack/build.mjs that decide which files are read.
    const result = await build({
      absWorkingDir: REPO,
      entryPoints: ["src/main.ts"],
      bundle: true,
      platform: "node",
      format: "esm",
      loader: { ".proto": "text" },
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const outside = Object.keys(result.metafile.inputs).filter(
      (f) => !f.startsWith("node_modules/") && !copied.some((c) => f === c || f.startsWith(c.replace(/\/?$/, "/"))),
    );
    expect(outside).toEqual([]);
  });

  it("assembles the root with hack/image/root.sh for TARGETARCH and ships it FROM scratch", async () => {
    const all = await stages();
    const root = all.find((s) => s.from.endsWith(" AS root"));
    expect(root?.lines).toContain("ARG TARGETARCH");
    expect(root?.lines.some((l) => /^RUN .*bash hack\/image\/root\.sh "\$TARGETARCH" /.test(l))).toBe(true);
    const last = all.at(-1);
    expect(last?.from).toBe("FROM scratch");
    expect(last?.lines).toEqual(["COPY --from=root /extension/ /"]);
  });
});
