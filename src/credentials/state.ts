// Finds this node's machine config on STATE without mounting anything: a
// mount of our own would make machined's on-demand mounts of STATE fail with
// EBUSY (TALOS.md §7). Talos <= 1.9 keeps STATE mounted, so the file is read
// there; later versions unmount it, so the XFS is read raw from the device.
import { realpath } from "node:fs/promises";
import { basename, join } from "node:path";
import { type MachineCa, loadMachineCa } from "./ca.js";
import { CredentialsError } from "./errors.js";
import { type ConfiguredMachineType, parseMachineConfig } from "./machine-config.js";
import { openIfPresent, readFully, readMounted } from "./state-files.js";
import { XfsError } from "./xfs/errors.js";
import { readXfsFile } from "./xfs/read-file.js";

export interface StatePaths {
  /** config.yaml on the STATE mount of Talos <= 1.9 (the extension binds the host's /system rslave: never pins STATE). */
  readonly mountedConfig: string;
  /** The STATE partition; its resolved name also names the 1.8-1.11 LUKS mapper. */
  readonly partition: string;
  readonly mapperDir: string;
}

export const DEFAULT_STATE_PATHS: StatePaths = {
  mountedConfig: "/system/state/config.yaml",
  partition: "/dev/disk/by-partlabel/STATE",
  mapperDir: "/dev/mapper",
};

export interface LoadCredentialsOptions {
  readonly signal?: AbortSignal;
  /** Deadline for the whole load; reading a 100 MiB STATE takes a few reads. */
  readonly timeoutMs?: number;
  readonly paths?: Partial<StatePaths>;
}

export interface Credentials {
  readonly machineType: ConfiguredMachineType;
  /** null on workers: they hold no CA key. */
  readonly ca: MachineCa | null;
  /** Where config.yaml came from, for the log. */
  readonly source: string;
  /** The config holds a SideroLinkConfig document: Omni manages this node. */
  readonly sideroLink: boolean;
  /** cluster.clusterName and cluster.controlPlane.endpoint (null when missing). */
  readonly cluster: { readonly name: string; readonly endpoint: string } | null;
}

export const LOAD_TIMEOUT_MS = 10_000;
const LUKS_MAGIC = Buffer.from([0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe]); // "LUKS\xba\xbe"

/** loadCredentials reads config.yaml and returns the machine type and, on control planes, the CA. */
export async function loadCredentials(opts: LoadCredentialsOptions = {}): Promise<Credentials> {
  const { text, source } = await readStateConfig(opts);
  const config = parseMachineConfig(text);
  const { sideroLink, cluster } = config;
  switch (config.machineType) {
    case "controlplane":
    case "init":
      return { machineType: config.machineType, ca: loadMachineCa(config), source, sideroLink, cluster };
    case "worker":
      return { machineType: config.machineType, ca: null, source, sideroLink, cluster };
    default: {
      const never: never = config.machineType;
      throw new Error(`unhandled machine type ${String(never)}`);
    }
  }
}

/** readStateConfig returns config.yaml's text and the path it was read from. */
export async function readStateConfig(opts: LoadCredentialsOptions = {}): Promise<{ text: string; source: string }> {
  const paths = { ...DEFAULT_STATE_PATHS, ...opts.paths };
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? LOAD_TIMEOUT_MS);
  const signal = opts.signal === undefined ? timeout : AbortSignal.any([opts.signal, timeout]);

  const mounted = await readMounted(paths.mountedConfig, signal);
  if (mounted !== null) return { text: consume(mounted), source: paths.mountedConfig };
  const tried: string[] = [paths.mountedConfig];
  for (const device of await deviceCandidates(paths)) {
    tried.push(device);
    const bytes = await readFromDevice(device, signal);
    if (bytes !== null) return { text: consume(bytes), source: device };
  }
  throw new CredentialsError("state-missing", `no STATE found (tried ${tried.join(", ")})`);
}

/** deviceCandidates: newest Talos first; the mappers come before the partition they decrypt. */
async function deviceCandidates(paths: StatePaths): Promise<string[]> {
  const list = [join(paths.mapperDir, "luks2-STATE")]; // >= 1.12
  const partition = await realpath(paths.partition).catch(() => null);
  if (partition !== null) list.push(join(paths.mapperDir, `${basename(partition)}-encrypted`)); // 1.8-1.11
  list.push(paths.partition);
  return list;
}

/** readFromDevice reads /config.yaml from an XFS device; null if the device does not exist. */
async function readFromDevice(path: string, signal: AbortSignal): Promise<Buffer | null> {
  const fh = await openIfPresent(path);
  if (fh === null) return null;
  try {
    const readAt = (offset: number, length: number): Promise<Buffer> => readFully(fh, offset, length);
    if ((await readAt(0, LUKS_MAGIC.length)).equals(LUKS_MAGIC)) {
      throw new CredentialsError(
        "state-encrypted",
        `STATE (${path}) is LUKS-encrypted and its mapper is not open (machined opens it once the config is applied)`,
      );
    }
    return await readXfsFile(readAt, "/config.yaml", { signal });
  } catch (err) {
    throw asCredentialsError(err, path);
  } finally {
    await fh.close();
  }
}

function asCredentialsError(err: unknown, path: string): unknown {
  if (!(err instanceof XfsError)) {
    if (err instanceof CredentialsError || signalError(err)) return err;
    return new CredentialsError("state-unreadable", `${path}: ${(err as Error).message}`, { cause: err });
  }
  switch (err.kind) {
    case "not-xfs":
      return new CredentialsError("not-xfs", `${path} holds no XFS filesystem`, { cause: err });
    case "not-found":
      return new CredentialsError("config-missing", `${path} has no /config.yaml (no config applied yet)`, { cause: err });
    case "too-large":
      return new CredentialsError("config-invalid", `${path}: ${err.message}`, { cause: err });
    case "unsupported":
    case "corrupt":
      return new CredentialsError("state-unreadable", `${path}: ${err.message}`, { cause: err });
    default: {
      const never: never = err.kind;
      return new CredentialsError("state-unreadable", `${path}: ${String(never)}`, { cause: err });
    }
  }
}

const signalError = (err: unknown): boolean =>
  err instanceof Error && (err.name === "AbortError" || err.name === "TimeoutError");

/** consume decodes the config and wipes the bytes: they hold the CA key. */
function consume(bytes: Buffer): string {
  const text = bytes.toString("utf8");
  bytes.fill(0);
  return text;
}
