// The fake node's spec as a JSON file (for cli.ts): PEMs inline, paths as
// strings, bootTime as a decimal string since JSON has no bigint.
import type { FakeDiscovery, FakeMachineType, FakeNodeSpec } from "./spec.js";

const MACHINE_TYPES: readonly FakeMachineType[] = ["controlplane", "worker", "init"];

export function parseSpecJson(text: string): FakeNodeSpec {
  const raw = JSON.parse(text) as Record<string, unknown>;
  const str = (k: string): string => {
    const v = raw[k];
    if (typeof v !== "string" || v === "") throw new Error(`spec.${k}: want a non-empty string`);
    return v;
  };
  const opt = <T>(k: string, type: "string" | "number" | "boolean"): T | undefined => {
    const v = raw[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== type) throw new Error(`spec.${k}: want a ${type}`);
    return v as T;
  };
  const ca = raw["ca"] as { certPem?: unknown; keyPem?: unknown } | undefined;
  if (typeof ca?.certPem !== "string" || typeof ca.keyPem !== "string") throw new Error("spec.ca: want {certPem, keyPem}");
  const machineType = str("machineType") as FakeMachineType;
  if (!MACHINE_TYPES.includes(machineType)) throw new Error(`spec.machineType: want one of ${MACHINE_TYPES.join(", ")}`);
  const bootTime = str("bootTime");
  if (!/^\d+$/.test(bootTime)) throw new Error("spec.bootTime: want Unix seconds as a decimal string");
  const accepted = raw["acceptedCAs"] ?? [];
  if (!Array.isArray(accepted) || !accepted.every((p) => typeof p === "string")) throw new Error("spec.acceptedCAs: want PEM strings");
  const features = (raw["features"] ?? {}) as { rbac?: boolean; apidCheckExtKeyUsage?: boolean };
  const cert = raw["serverCert"] as { certPem?: unknown; keyPem?: unknown } | undefined;
  if (cert !== undefined && (typeof cert.certPem !== "string" || typeof cert.keyPem !== "string")) throw new Error("spec.serverCert: want {certPem, keyPem}");
  const serverCert = cert === undefined ? {} : { serverCert: { certPem: cert.certPem as string, keyPem: cert.keyPem as string } };

  // Spread only what is present: exactOptionalPropertyTypes keeps absent ≠ undefined.
  const optional = {
    port: opt<number>("port", "number"),
    timeSynced: opt<boolean>("timeSynced", "boolean"),
    bootstrapAvailableAfterMs: opt<number>("bootstrapAvailableAfterMs", "number"),
    etcdStartDelayMs: opt<number>("etcdStartDelayMs", "number"),
    etcdDownMs: opt<number>("etcdDownMs", "number"),
    filesRoot: opt<string>("filesRoot", "string"),
    loopbackSan: opt<boolean>("loopbackSan", "boolean"),
    hang: opt<boolean>("hang", "boolean"),
    logFile: opt<string>("logFile", "string"),
    hostname: opt<string>("hostname", "string"),
    nodeId: opt<string>("nodeId", "string"),
    varMountedAfterMs: opt<number>("varMountedAfterMs", "number"),
    discovery: parseDiscovery(raw["discovery"]),
  };
  return {
    address: str("address"),
    ca: { certPem: ca.certPem, keyPem: ca.keyPem },
    acceptedCAs: accepted as string[],
    machineType,
    bootTime: BigInt(bootTime),
    talosVersion: str("talosVersion"),
    worldDir: str("worldDir"),
    features,
    ...serverCert,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  };
}

function parseDiscovery(raw: unknown): FakeDiscovery | undefined {
  if (raw === undefined || raw === null) return undefined;
  const d = raw as Record<string, unknown>;
  if (typeof d["enabled"] !== "boolean") throw new Error("spec.discovery.enabled: want a boolean");
  const delay = d["registrationDelayMs"];
  if (delay !== undefined && typeof delay !== "number") throw new Error("spec.discovery.registrationDelayMs: want a number");
  const addresses = d["addresses"];
  if (addresses !== undefined && !(Array.isArray(addresses) && addresses.every((a) => typeof a === "string"))) {
    throw new Error("spec.discovery.addresses: want strings");
  }
  const kubespan = d["kubespanAddress"];
  if (kubespan !== undefined && typeof kubespan !== "string") throw new Error("spec.discovery.kubespanAddress: want a string");
  return {
    enabled: d["enabled"],
    ...(delay === undefined ? {} : { registrationDelayMs: delay }),
    ...(addresses === undefined ? {} : { addresses: addresses as string[] }),
    ...(kubespan === undefined ? {} : { kubespanAddress: kubespan }),
  };
}
