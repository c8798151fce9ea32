// What one fake Talos node is: the knobs the tests and the demo turn.
// Everything version-dependent is derived from talosVersion (TALOS.md §0).
import { createHash } from "node:crypto";

export type FakeMachineType = "controlplane" | "worker" | "init";

/** cluster.discovery as this node has it (docs/talos-facts.md §1). */
export interface FakeDiscovery {
  /** Off ⇒ the node neither publishes itself nor lists anyone: Affiliates and Members are empty. */
  readonly enabled: boolean;
  /** The others see this node this long after it started (the discovery service round trip); default 1000. */
  readonly registrationDelayMs?: number;
  /**
   * The addresses this node publishes; default [address]. May name addresses
   * that nothing answers on, or that belong to another host: what a test of
   * an unreachable or foreign affiliate needs.
   */
  readonly addresses?: readonly string[];
  /** KubeSpan on: its address goes to kubespan.address and, as on Talos, into addresses too. */
  readonly kubespanAddress?: string;
}

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
  /**
   * A node that starts with etcd data (a reboot of a bootstrapped node) shows
   * etcd Waiting, then Preparing, this long before Running; its data dir stays.
   * Default 0.
   */
  readonly etcdDownMs?: number;
  /** MachineService/Read serves <filesRoot>/<path>; absent ⇒ every Read is NotFound. */
  readonly filesRoot?: string;
  /** Directory shared by the fake nodes of one cluster: the etcd world (world.ts). */
  readonly worldDir: string;
  /**
   * The apid server certificate to serve instead of minting one for `address`:
   * a node answering on several addresses serves one certificate (one key)
   * naming them all, as apid does.
   */
  readonly serverCert?: { readonly certPem: string; readonly keyPem: string };
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
  /** Identities.cluster.talos.dev/local; default derived from worldDir and address, so stable across restarts. */
  readonly nodeId?: string;
  /** Absent ⇒ discovery off. */
  readonly discovery?: FakeDiscovery;
  /** /var is mounted this long after start; before, EtcdRecover answers FailedPrecondition. Default 0. */
  readonly varMountedAfterMs?: number;
}

/** The spec with defaults applied and the version parsed. */
export interface ResolvedSpec extends FakeNodeSpec {
  readonly port: number;
  readonly acceptedCAs: readonly string[];
  readonly timeSynced: boolean;
  readonly bootstrapAvailableAfterMs: number;
  readonly etcdStartDelayMs: number;
  readonly etcdDownMs: number;
  readonly hostname: string;
  readonly nodeId: string;
  readonly varMountedAfterMs: number;
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
    etcdDownMs: spec.etcdDownMs ?? 0,
    hostname: spec.hostname ?? `talos-${spec.address.replaceAll(/[.:]/g, "-")}`,
    nodeId: spec.nodeId ?? derivedNodeId(spec.worldDir, spec.address),
    varMountedAfterMs: spec.varMountedAfterMs ?? 0,
    minor,
    tag: m[2] === undefined ? `${spec.talosVersion}.0` : spec.talosVersion,
    rbac: locked || (spec.features?.rbac ?? true),
    checkExtKeyUsage: locked || (spec.features?.apidCheckExtKeyUsage ?? true),
  };
}

export const isControlPlaneType = (t: FakeMachineType): boolean => t === "controlplane" || t === "init";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * A node id shaped like Talos's (base62 of 32 bytes, ~43 characters; Talos
 * draws the bytes at random and keeps them in STATE). Hashing the world dir
 * and address keeps it stable across restarts of the fake and unique per node.
 */
export function derivedNodeId(worldDir: string, address: string): string {
  let n = BigInt("0x" + createHash("sha256").update(`${worldDir}\n${address}`).digest("hex"));
  let out = "";
  while (n > 0n) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out;
}
