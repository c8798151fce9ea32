// The service definition and manifest against the schema Talos decodes
// (talos-service-schema.ts). Talos ignores unknown or misplaced keys, so
// these checks are the only place a typo shows up before a node boots.
// The built image is checked by image.spec.ts, after it builds it.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { REPO } from "./image.js";
import { lintNodeSafety, lintService } from "./service-lint.js";
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

  it("does nothing that would stall a node's boot or keep STATE mounted", async () => {
    expect(lintNodeSafety(await parseStrict(SERVICE_YAML))).toEqual([]);
  });

  it("waits for apid, cri (/var mounted), addresses, time and its configuration, each as its own depends item", async () => {
    const spec = await parseStrict(SERVICE_YAML);
    expect(spec["name"]).toBe("autobootstrap");
    expect(spec["restart"]).toBe("untilSuccess");
    expect(spec["depends"]).toEqual([
      { service: "apid" },
      { service: "cri" },
      { network: ["addresses"] },
      { time: true },
      { configuration: true },
    ]);
  });

  it("mounts /dev and /system read-only (/system as an rslave copy) and only the ballot directory read-write", async () => {
    const spec = await parseStrict(SERVICE_YAML);
    const mounts = (spec["container"] as { mounts: { source: string; destination: string; options: string[] }[] }).mounts;
    const mode = Object.fromEntries(mounts.map((m) => [m.destination, m.options.includes("rw") ? "rw" : "ro"]));
    expect(mode).toEqual({ "/dev": "ro", "/system": "ro", "/var/lib/autobootstrap": "rw" });
    for (const m of mounts) expect(m.source).toBe(m.destination);
    expect(mounts.find((m) => m.destination === "/system")?.options.sort()).toEqual(["rbind", "ro", "rslave"]);
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

describe("lintNodeSafety()", () => {
  const ballot = { source: "/var/lib/x", destination: "/var/lib/x", type: "bind", options: ["rbind", "rw"] };
  const safe = {
    name: "x",
    restart: "untilSuccess",
    container: { entrypoint: "/bin/x", mounts: [ballot] },
    depends: [{ service: "cri" }, { network: ["addresses"] }],
  };
  const withMount = (m: Record<string, unknown>) => ({ ...safe, container: { entrypoint: "/bin/x", mounts: [ballot, m] } });

  it("accepts cri, addresses and an rslave rbind of /system", () => {
    expect(lintNodeSafety(withMount({ source: "/system", destination: "/system", type: "bind", options: ["rbind", "rslave", "ro"] }))).toEqual([]);
  });

  it("flags network: connectivity, which never holds without a default route", () => {
    expect(lintNodeSafety({ ...safe, depends: [{ service: "cri" }, { network: ["addresses", "connectivity"] }] })).toEqual([
      expect.stringContaining("connectivity"),
    ]);
  });

  it("flags a mount source under /var without service: cri (the previous definition)", () => {
    expect(lintNodeSafety({ ...safe, depends: [{ service: "apid" }, { network: ["addresses"] }] })).toEqual([
      expect.stringContaining("service: cri"),
    ]);
  });

  it("flags a service that workers do not run", () => {
    expect(lintNodeSafety({ ...safe, depends: [{ service: "cri" }, { service: "etcd" }] })).toEqual([expect.stringContaining("etcd")]);
  });

  it("flags a bind of /system/state, whatever its options (the previous definition)", () => {
    for (const source of ["/system/state", "/system/state/sub"]) {
      const m = { source, destination: "/system/state", type: "bind", options: ["rbind", "rslave", "ro"] };
      expect(lintNodeSafety(withMount(m))).toEqual([expect.stringContaining("STATE mount point itself")]);
    }
  });

  it("flags an rbind of /system or / that does not receive the host's unmounts", () => {
    for (const source of ["/system", "/"]) {
      const m = { source, destination: "/host", type: "bind", options: ["rbind", "rprivate", "ro"] };
      expect(lintNodeSafety(withMount(m))).toEqual([expect.stringContaining("add rslave")]);
    }
    const plain = { source: "/system", destination: "/system", type: "bind", options: ["bind", "ro"] };
    expect(lintNodeSafety(withMount(plain))).toEqual([]); // no submounts copied
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
