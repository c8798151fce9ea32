// What one fake Talos node is: the knobs the tests and the demo turn.
// Everything version-dependent is derived from talosVersion (TALOS.md §0).

export type FakeMachineType = "controlplane" | "worker" | "init";

export interface FakeNodeSpec {
  /** The node's IP (v4 or v6): listen address, IP SAN, and its name in the world dir. */
  readonly address: string;
  /** Default 50000 (apid); 0 picks an ephemeral port. */
  readonly port?: number;
  /** machine.ca: signs the server cert and is trusted for clients. */
  readonly ca: { readonly certPem: string; readonly keyPem: string };
  /** machine.acceptedCAs: more PEMs trusted for client certificates. */
  readonly acceptedCAs?: readonly string[];
  readonly machineType: FakeMachineType;
  /** SystemStat.boot_time, Unix seconds. */
  readonly bootTime: bigint;
  /** "v1.8" … "v1.14", or a full tag such as "v1.14.0-rc.1". */
  readonly talosVersion: string;
  /** TimeStatus.synced; default true. */
  readonly timeSynced?: boolean;
  /** Bootstrap answers FailedPrecondition "bootstrap is not available yet" this long after start; default 0. */
  readonly bootstrapAvailableAfterMs?: number;
  /** Delay from Bootstrap (or from seeing a cluster, in join mode) to etcd Running; default 300. */
  readonly etcdStartDelayMs?: number;
  /** MachineService/Read serves <filesRoot>/<path>; absent ⇒ every Read is NotFound. */
  readonly filesRoot?: string;
  /** Directory shared by the fake nodes of one cluster: the etcd world (world.ts). */
  readonly worldDir: string;
  /** Add 127.0.0.1 to the server cert's IP SANs; honoured only for Talos ≥ 1.14, as on a real node. */
  readonly loopbackSan?: boolean;
  /** machine.features for 1.8–1.11 (absent ⇒ true, as talosctl-generated configs set them); ≥ 1.12 always on. */
  readonly features?: { readonly rbac?: boolean; readonly apidCheckExtKeyUsage?: boolean };
  /** Fault: complete TLS and HTTP/2, then never answer a call. */
  readonly hang?: boolean;
  /** Append the call log here as JSON lines. */
  readonly logFile?: string;
  /** Default "talos-" + address with dashes. */
  readonly hostname?: string;
}

/** The spec with defaults applied and the version parsed. */
export interface ResolvedSpec extends FakeNodeSpec {
  readonly port: number;
  readonly acceptedCAs: readonly string[];
  readonly timeSynced: boolean;
  readonly bootstrapAvailableAfterMs: number;
  readonly etcdStartDelayMs: number;
  readonly hostname: string;
  /** Minor version: 8 for v1.8. */
  readonly minor: number;
  /** Full tag for Version: "v1.11.0" for "v1.11". */
  readonly tag: string;
  readonly rbac: boolean;
  readonly checkExtKeyUsage: boolean;
}

export function resolveSpec(spec: FakeNodeSpec): ResolvedSpec {
  const m = /^v1\.(\d+)(\.\d+(-[0-9A-Za-z.-]+)?)?$/.exec(spec.talosVersion);
  const minor = Number(m?.[1]);
  if (m === null || minor < 8 || minor > 14) throw new Error(`talosVersion ${spec.talosVersion}: want v1.8 … v1.14`);
  // Before 1.12 both checks follow machine.features; 1.12 locked them on.
  const locked = minor >= 12;
  return {
    ...spec,
    port: spec.port ?? 50000,
    acceptedCAs: spec.acceptedCAs ?? [],
    timeSynced: spec.timeSynced ?? true,
    bootstrapAvailableAfterMs: spec.bootstrapAvailableAfterMs ?? 0,
    etcdStartDelayMs: spec.etcdStartDelayMs ?? 300,
    hostname: spec.hostname ?? `talos-${spec.address.replaceAll(/[.:]/g, "-")}`,
    minor,
    tag: m[2] === undefined ? `${spec.talosVersion}.0` : spec.talosVersion,
    rbac: locked || (spec.features?.rbac ?? true),
    checkExtKeyUsage: locked || (spec.features?.apidCheckExtKeyUsage ?? true),
  };
}

export const isControlPlaneType = (t: FakeMachineType): boolean => t === "controlplane" || t === "init";
