// Test helper: a machine config.yaml laid out as Talos stores it on STATE
// (TALOS.md §7): multi-document YAML, the v1alpha1 document without `kind`,
// the CA as standard base64 of PEM, a worker's key as "".
import type { KeyObject } from "node:crypto";
import { stringify } from "yaml";

/** Every value Talos's parser accepts for machine.type ("join" and "" mean worker). */
export type ConfigMachineType = "controlplane" | "init" | "worker" | "join" | "";

export interface TalosConfigOptions {
  readonly machineType: ConfigMachineType;
  readonly caCertPem: string;
  /** The CA key PEM under Talos's label (see talosKeyPem); null writes `key: ""` as on workers. */
  readonly caKeyPem: string | null;
  readonly acceptedCaPems?: readonly string[];
  /** Place the v1alpha1 document after the others: Talos keeps the order it was given. */
  readonly v1alpha1Last?: boolean;
  /** Add the SideroLinkConfig document Omni puts in the configs of the machines it manages. */
  readonly sideroLinkApiUrl?: string;
  /** cluster.clusterName and cluster.controlPlane.endpoint: what tells two clusters made from one secrets bundle apart. */
  readonly cluster?: { readonly name: string; readonly endpoint: string };
}

/** The cluster every test config names unless told otherwise. */
export const DEFAULT_CLUSTER = { name: "autobootstrap-test", endpoint: "https://192.0.2.10:6443" } as const;

const b64 = (pem: string): string => Buffer.from(pem, "utf8").toString("base64");

/** talosConfigYaml renders a Talos-like config.yaml. */
export function talosConfigYaml(opts: TalosConfigOptions): string {
  const v1alpha1 = {
    version: "v1alpha1",
    debug: false,
    persist: true,
    machine: {
      type: opts.machineType,
      token: "abcdef.0123456789abcdef",
      ca: { crt: b64(opts.caCertPem), key: opts.caKeyPem === null ? "" : b64(opts.caKeyPem) },
      ...(opts.acceptedCaPems !== undefined && opts.acceptedCaPems.length > 0
        ? { acceptedCAs: opts.acceptedCaPems.map((crt) => ({ crt: b64(crt) })) }
        : {}),
      certSANs: [],
      kubelet: { image: "ghcr.io/siderolabs/kubelet:v1.34.0", defaultRuntimeSeccompProfileEnabled: true },
      network: {},
      install: { disk: "/dev/sda", wipe: false },
      features: { rbac: true, stableHostname: true, apidCheckExtKeyUsage: true },
    },
    cluster: {
      id: "c2VjcmV0LWNsdXN0ZXItaWQ=",
      secret: "c2VjcmV0LWNsdXN0ZXItc2VjcmV0",
      controlPlane: { endpoint: (opts.cluster ?? DEFAULT_CLUSTER).endpoint },
      clusterName: (opts.cluster ?? DEFAULT_CLUSTER).name,
      network: { dnsDomain: "cluster.local", podSubnets: ["10.244.0.0/16"], serviceSubnets: ["10.96.0.0/12"] },
      token: "0123456789abcdef.fedcba9876543210",
      discovery: { enabled: true, registries: { kubernetes: { disabled: true }, service: {} } },
    },
  };
  const others = [
    { apiVersion: "v1alpha1", kind: "HostnameConfig", auto: "stable" },
    {
      apiVersion: "v1alpha1",
      kind: "ExtensionServiceConfig",
      name: "autobootstrap",
      environment: ["AUTOBOOTSTRAP_EXPECTED_CONTROL_PLANES=3"],
    },
    ...(opts.sideroLinkApiUrl !== undefined ? [{ apiVersion: "v1alpha1", kind: "SideroLinkConfig", apiUrl: opts.sideroLinkApiUrl }] : []),
  ];
  const docs = opts.v1alpha1Last === true ? [...others, v1alpha1] : [v1alpha1, ...others];
  return docs.map((d) => stringify(d)).join("---\n");
}

/**
 * talosKeyPem writes a private key as Talos does (crypto: x509/constants.go):
 * Ed25519 as PKCS#8 DER under the non-standard label "ED25519 PRIVATE KEY",
 * ECDSA as SEC1 "EC PRIVATE KEY", RSA as PKCS#1 "RSA PRIVATE KEY".
 * `pkcs8: true` gives the generic "PRIVATE KEY" form instead (user-supplied CAs).
 */
export function talosKeyPem(key: KeyObject, opts: { pkcs8?: boolean } = {}): string {
  if (opts.pkcs8 === true) return key.export({ format: "pem", type: "pkcs8" }).toString();
  switch (key.asymmetricKeyType) {
    case "ed25519":
      return pem("ED25519 PRIVATE KEY", key.export({ format: "der", type: "pkcs8" }));
    case "ec":
      return key.export({ format: "pem", type: "sec1" }).toString();
    case "rsa":
      return key.export({ format: "pem", type: "pkcs1" }).toString();
    default:
      throw new Error(`Talos has no PEM label for ${String(key.asymmetricKeyType)} keys`);
  }
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
