import { execFile } from "node:child_process";
import { mkdir, readdir, readlink, stat, symlink, truncate, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { CredentialsError } from "../../../src/credentials/errors.js";
import { MAX_CONFIG_BYTES } from "../../../src/credentials/state-files.js";
import { type StatePaths, loadCredentials, readStateConfig } from "../../../src/credentials/state.js";
import { talosConfigYaml, talosKeyPem } from "../../helpers/talos-config.js";
import { makeCa } from "../talos/pki.js";
import { MiB, makeLuks2Image, useCleanup } from "./xfs-fixtures.js";

const run = promisify(execFile);
const { image, scratchDir, scratchFile } = useCleanup();

const ca = await makeCa("ed25519");
const CP_YAML = talosConfigYaml({ machineType: "controlplane", caCertPem: ca.certPem, caKeyPem: talosKeyPem(ca.key) });
const WORKER_YAML = talosConfigYaml({ machineType: "worker", caCertPem: ca.certPem, caKeyPem: null, v1alpha1Last: true });

/** A fake root: <dir>/system/state, <dir>/dev/{vda5,disk/by-partlabel/STATE,mapper}; nothing exists yet. */
async function fakeNode(): Promise<{ dir: string; paths: StatePaths }> {
  const dir = await scratchDir();
  await mkdir(join(dir, "dev", "disk", "by-partlabel"), { recursive: true });
  await mkdir(join(dir, "dev", "mapper"));
  await mkdir(join(dir, "system", "state"), { recursive: true });
  return {
    dir,
    paths: {
      mountedConfig: join(dir, "system", "state", "config.yaml"),
      partition: join(dir, "dev", "disk", "by-partlabel", "STATE"),
      mapperDir: join(dir, "dev", "mapper"),
    },
  };
}

/** xfsWith: a STATE image holding config.yaml (or not) and node-identity.yaml. */
async function xfsWith(configYaml: string | null): Promise<string> {
  const files = [{ name: "node-identity.yaml", content: "nodeId: abc\n" }];
  if (configYaml !== null) files.push({ name: "config.yaml", content: configYaml });
  return (await image({ sizeBytes: 100 * MiB, files })).path;
}

/** partitionAt makes <dir>/dev/vda5 (via `make`) and points by-partlabel/STATE at it, as udev does. */
async function partitionAt(dir: string, paths: StatePaths, make: (path: string) => Promise<unknown>): Promise<void> {
  const dev = join(dir, "dev", "vda5");
  await make(dev);
  await symlink("../../vda5", paths.partition);
}

const linkTo = (target: string) => (path: string) => symlink(target, path);
const luks = async (path: string): Promise<void> => {
  const tmp = await scratchFile(32 * MiB);
  await makeLuks2Image(tmp);
  await symlink(tmp, path);
};

async function credentialsErrorOf(p: Promise<unknown>): Promise<CredentialsError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CredentialsError);
  return err as CredentialsError;
}

/** openFdsOn: this process's open descriptors on `path` (they must all be closed after a load). */
async function openFdsOn(path: string): Promise<number> {
  const fds = await readdir("/proc/self/fd");
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => "")));
  return targets.filter((t) => t === path).length;
}

describe("readStateConfig()", () => {
  it("reads config.yaml on the STATE mount first (Talos <= 1.9)", async () => {
    const { dir, paths } = await fakeNode();
    await writeFile(paths.mountedConfig, CP_YAML);
    await partitionAt(dir, paths, linkTo(await xfsWith(WORKER_YAML)));
    expect(await readStateConfig({ paths })).toEqual({ text: CP_YAML, source: paths.mountedConfig });
  });

  it("reads the raw partition when STATE is not mounted, and closes it", async () => {
    const { dir, paths } = await fakeNode();
    const img = await xfsWith(CP_YAML);
    await partitionAt(dir, paths, linkTo(img));
    expect(await readStateConfig({ paths })).toEqual({ text: CP_YAML, source: paths.partition });
    expect(await openFdsOn(img)).toBe(0);
  });

  it("prefers the luks2-STATE mapper (Talos >= 1.12)", async () => {
    const { dir, paths } = await fakeNode();
    await partitionAt(dir, paths, luks);
    await symlink(await xfsWith(CP_YAML), join(paths.mapperDir, "luks2-STATE"));
    expect((await readStateConfig({ paths })).source).toBe(join(paths.mapperDir, "luks2-STATE"));
  });

  it("finds the 1.8-1.11 mapper named after the partition", async () => {
    const { dir, paths } = await fakeNode();
    await partitionAt(dir, paths, async (dev) => makeLuks2Image(await writeEmpty(dev, 32 * MiB)));
    await symlink(await xfsWith(CP_YAML), join(paths.mapperDir, "vda5-encrypted"));
    expect(await readStateConfig({ paths })).toEqual({ text: CP_YAML, source: join(paths.mapperDir, "vda5-encrypted") });
  });

  it("says STATE is encrypted when no mapper is open", async () => {
    const { dir, paths } = await fakeNode();
    await partitionAt(dir, paths, luks);
    const err = await credentialsErrorOf(readStateConfig({ paths }));
    expect([err.kind, err.message]).toEqual(["state-encrypted", expect.stringMatching(/mapper is not open/)]);
  });

  it("tells apart no STATE, no XFS and no config.yaml", async () => {
    const none = await fakeNode();
    expect((await credentialsErrorOf(readStateConfig({ paths: none.paths }))).kind).toBe("state-missing");

    const zeros = await fakeNode();
    const zeroFile = await scratchFile(MiB);
    await partitionAt(zeros.dir, zeros.paths, linkTo(zeroFile));
    expect((await credentialsErrorOf(readStateConfig({ paths: zeros.paths }))).kind).toBe("not-xfs");
    expect(await openFdsOn(zeroFile)).toBe(0);

    const empty = await fakeNode();
    await partitionAt(empty.dir, empty.paths, linkTo(await xfsWith(null)));
    expect((await credentialsErrorOf(readStateConfig({ paths: empty.paths }))).kind).toBe("config-missing");
  });

  it("refuses a device, a FIFO or a directory at the mounted path without reading it", async () => {
    const fifo = join(await scratchDir(), "fifo");
    await run("mkfifo", [fifo]);
    for (const [target, type] of [["/dev/zero", "character device"], [fifo, "FIFO"], ["/", "directory"]]) {
      const { paths } = await fakeNode();
      await symlink(target as string, paths.mountedConfig);
      const err = await credentialsErrorOf(readStateConfig({ paths }));
      expect([err.kind, err.message]).toEqual(["state-unreadable", `${paths.mountedConfig} is not a regular file (${type})`]);
    }
  });

  it("reads at most its limit from the mounted path, whatever stat() says", async () => {
    // /proc/kallsyms: a regular file of size 0 that holds megabytes.
    const { paths } = await fakeNode();
    await symlink("/proc/kallsyms", paths.mountedConfig);
    expect((await stat(paths.mountedConfig)).size).toBe(0);
    const err = await credentialsErrorOf(readStateConfig({ paths }));
    expect([err.kind, err.message]).toEqual(["config-invalid", `${paths.mountedConfig} is larger than ${MAX_CONFIG_BYTES} bytes`]);
  });

  it("gives up when its signal is aborted", async () => {
    const { dir, paths } = await fakeNode();
    await partitionAt(dir, paths, linkTo(await xfsWith(CP_YAML)));
    const err = await readStateConfig({ paths, signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect((err as Error).name).toBe("AbortError");
  });
});

describe("loadCredentials()", () => {
  it("returns a control plane's CA", async () => {
    const { dir, paths } = await fakeNode();
    await partitionAt(dir, paths, linkTo(await xfsWith(CP_YAML)));
    const creds = await loadCredentials({ paths });
    expect(creds.machineType).toBe("controlplane");
    expect(creds.source).toBe(paths.partition);
    expect(creds.ca?.fingerprint).toBe(ca.fingerprint);
    expect(creds.ca?.keyType).toBe("ed25519");
  });

  it("returns no CA for a worker", async () => {
    const { paths } = await fakeNode();
    await writeFile(paths.mountedConfig, WORKER_YAML);
    expect(await loadCredentials({ paths })).toEqual({
      machineType: "worker",
      ca: null,
      source: paths.mountedConfig,
      sideroLink: false,
      cluster: { name: "autobootstrap-test", endpoint: "https://192.0.2.10:6443" },
    });
  });

  it("refuses a control plane without its CA key, and a corrupt config", async () => {
    const { paths } = await fakeNode();
    await writeFile(paths.mountedConfig, CP_YAML.replace(/key: \S+/, 'key: ""'));
    expect((await credentialsErrorOf(loadCredentials({ paths }))).kind).toBe("ca-key-missing");
    await writeFile(paths.mountedConfig, "version: v1alpha1\nmachine: [\n");
    expect((await credentialsErrorOf(loadCredentials({ paths }))).kind).toBe("config-invalid");
  });
});

async function writeEmpty(path: string, size: number): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, Buffer.alloc(0));
  await truncate(path, size);
  return path;
}
