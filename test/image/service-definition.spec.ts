// The service definition and manifest against the schema Talos decodes
// (talos-service-schema.ts). Talos ignores unknown or misplaced keys, so
// these checks are the only place a typo shows up before a node boots.
import { lstat, mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { ARCHES, CONTAINER_DIR, REPO, SERVICE_FILE, imageBuilt, unpack } from "./image.js";
import { lintService } from "./service-lint.js";
import { MANIFEST_KEYS, METADATA_KEYS } from "./talos-service-schema.js";

const SERVICE_YAML = join(REPO, "extension/autobootstrap.yaml");
const MANIFEST_YAML = join(REPO, "manifest.yaml");

/** parseStrict refuses duplicate keys and any YAML warning, as a typo guard. */
async function parseStrict(path: string): Promise<Record<string, unknown>> {
  const doc = parseDocument(await readFile(path, "utf8"), { uniqueKeys: true, prettyErrors: true });
  expect(doc.errors.map(String)).toEqual([]);
  expect(doc.warnings.map(String)).toEqual([]);
  return doc.toJS() as Record<string, unknown>;
}

/** minTalosMinor(">= v1.8.0") → 8: the oldest Talos the manifest admits. */
function minTalosMinor(constraint: string): number {
  const m = /^>=\s*v?1\.(\d+)\.\d+$/.exec(constraint.trim());
  if (m === null) throw new Error(`unexpected compatibility constraint ${constraint}`);
  return Number(m[1]);
}

describe("extension/autobootstrap.yaml", () => {
  it("uses only keys Talos reads, each where Talos reads it", async () => {
    const manifest = await parseStrict(MANIFEST_YAML);
    const meta = manifest["metadata"] as { compatibility: { talos: { version: string } } };
    expect(lintService(await parseStrict(SERVICE_YAML), minTalosMinor(meta.compatibility.talos.version))).toEqual([]);
  });

  it("waits for apid, addresses + connectivity, time and its configuration, each as its own depends item", async () => {
    const spec = await parseStrict(SERVICE_YAML);
    expect(spec["name"]).toBe("autobootstrap");
    expect(spec["restart"]).toBe("untilSuccess");
    expect(spec["depends"]).toEqual([
      { service: "apid" },
      { network: ["addresses", "connectivity"] },
      { time: true },
      { configuration: true },
    ]);
  });

  it("mounts /dev and /system/state read-only and only the ballot directory read-write", async () => {
    const spec = await parseStrict(SERVICE_YAML);
    const mounts = (spec["container"] as { mounts: { source: string; destination: string; options: string[] }[] }).mounts;
    const mode = Object.fromEntries(mounts.map((m) => [m.destination, m.options.includes("rw") ? "rw" : "ro"]));
    expect(mode).toEqual({ "/dev": "ro", "/system/state": "ro", "/var/lib/autobootstrap": "rw" });
    for (const m of mounts) expect(m.source).toBe(m.destination);
  });

  it("caps the V8 heap through NODE_OPTIONS", async () => {
    const spec = await parseStrict(SERVICE_YAML);
    const env = (spec["container"] as { environment: string[] }).environment;
    expect(env.filter((e) => e.startsWith("NODE_OPTIONS="))).toEqual([expect.stringMatching(/--max-old-space-size=\d+/)]);
  });
});

describe("lintService()", () => {
  const good = {
    name: "x",
    restart: "always",
    container: { entrypoint: "/bin/x" },
    depends: [{ service: "apid" }],
  };

  it("accepts a minimal valid spec", () => {
    expect(lintService(good, 8)).toEqual([]);
  });

  it("flags configuration at top level, as the old agent had it", () => {
    expect(lintService({ ...good, configuration: true }, 8)).toEqual([expect.stringContaining('unknown key "configuration"')]);
  });

  it("flags a depends item with two conditions, and time: false", () => {
    const problems = lintService({ ...good, depends: [{ service: "apid", time: true }, { time: false }] }, 8);
    expect(problems).toEqual([expect.stringContaining("has 2 keys"), expect.stringContaining("must be true")]);
  });

  it("flags a misspelt key, a bad restart kind, an unknown network status and a mount without ro/rw", () => {
    const problems = lintService(
      {
        ...good,
        restart: "on-failure",
        container: { entrypoint: "/bin/x", enviroment: ["A=1"], mounts: [{ source: "/a", destination: "/a", type: "bind", options: ["rbind"] }] },
        depends: [{ network: ["online"] }],
      },
      8,
    );
    expect(problems).toHaveLength(4);
  });

  it("flags logToConsole when the manifest admits Talos 1.8, which ignores it", () => {
    expect(lintService({ ...good, logToConsole: true }, 8)).toEqual([expect.stringContaining("since v1.9")]);
    expect(lintService({ ...good, logToConsole: true }, 9)).toEqual([]);
  });
});

describe("manifest.yaml", () => {
  it("is a v1alpha1 manifest named like the service, versioned like package.json", async () => {
    const manifest = await parseStrict(MANIFEST_YAML);
    expect(Object.keys(manifest).sort()).toEqual([...MANIFEST_KEYS].sort());
    expect(manifest["version"]).toBe("v1alpha1");
    const meta = manifest["metadata"] as Record<string, unknown>;
    for (const k of Object.keys(meta)) expect(METADATA_KEYS).toContain(k);
    const pkg = JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as { version: string };
    const spec = await parseStrict(SERVICE_YAML);
    expect(meta["name"]).toBe(spec["name"]);
    expect(meta["version"]).toBe(pkg.version);
    expect(meta["compatibility"]).toEqual({ talos: { version: ">= v1.8.0" } });
    expect(typeof meta["author"]).toBe("string");
    expect(typeof meta["description"]).toBe("string");
  });
});

// Against the built image: what Talos will unpack. Built by test/image/image.spec.ts
// (as root) or `bash hack/image/build.sh`; without it this block has nothing to check.
describe.skipIf(!imageBuilt())("the built image (out/image)", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  for (const arch of ARCHES) {
    it(`${arch}: holds only manifest.yaml and rootfs/usr/local, with this repo's yaml and the entrypoint`, async () => {
      const dir = await mkdtemp(join(tmpdir(), `image-${arch}-`));
      dirs.push(dir);
      await unpack(arch, dir);
      expect((await readdir(dir)).sort()).toEqual(["manifest.yaml", "rootfs"]);
      expect(await readdir(join(dir, "rootfs"))).toEqual(["usr"]);
      expect(await readdir(join(dir, "rootfs/usr"))).toEqual(["local"]);
      expect(await readFile(join(dir, "manifest.yaml"), "utf8")).toBe(await readFile(MANIFEST_YAML, "utf8"));
      expect(await readFile(join(dir, SERVICE_FILE), "utf8")).toBe(await readFile(SERVICE_YAML, "utf8"));

      const spec = await parseStrict(SERVICE_YAML);
      const c = spec["container"] as { entrypoint: string; args: string[] };
      const entry = await lstat(join(dir, CONTAINER_DIR, c.entrypoint));
      expect(entry.isFile()).toBe(true);
      expect(entry.mode & 0o111).toBe(0o111);
      expect((await lstat(join(dir, CONTAINER_DIR, c.args[0] as string))).isFile()).toBe(true);
    });
  }
});
