// Cluster discovery as a fake node sees it (docs/talos-facts.md §1). Each node
// with discovery on publishes its affiliate to the world dir, as Talos does
// to the discovery service; the others list it once its registration delay
// has passed. A node lists itself at once (Talos's local affiliate) and lists
// nothing, itself included, with discovery off. Records stay after a node
// stops, as they stay in the discovery service until they expire: a stale
// affiliate is one whose addresses no longer answer.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { specMessage } from "../../src/talos/protos.js";
import { parseAddress } from "../../src/core/address.js";
import type { NodeRuntime } from "./runtime.js";
import { isControlPlaneType, type FakeMachineType, type ResolvedSpec } from "./spec.js";
import { list, writeAtomic } from "./world.js";

const AFFILIATES = "discovery";
const DEFAULT_REGISTRATION_DELAY_MS = 1_000;
/** apiServer's default port: controlPlane.port of a control plane. */
const API_SERVER_PORT = 6443;
const KUBESPAN_PORT = 51820;

/** What the discovery service holds about one node. */
export interface AffiliateRecord {
  readonly nodeId: string;
  readonly addresses: readonly string[];
  readonly hostname: string;
  readonly nodename: string;
  readonly operatingSystem: string;
  readonly machineType: FakeMachineType;
  readonly kubespanAddress?: string;
  /** Date.now() from which the other nodes list it. */
  readonly visibleAt: number;
}

/** Publishes (or replaces) a node's affiliate; tests also call it to plant ghosts. */
export function registerAffiliate(worldDir: string, record: AffiliateRecord): void {
  writeAtomic(join(worldDir, AFFILIATES), `${record.nodeId}.json`, JSON.stringify(record) + "\n");
}

export function readAffiliates(worldDir: string): AffiliateRecord[] {
  const dir = join(worldDir, AFFILIATES);
  return list(dir).map((name) => JSON.parse(readFileSync(join(dir, name), "utf8")) as AffiliateRecord);
}

/** The affiliate this node publishes: what Talos's LocalAffiliateController builds. */
export function ownAffiliate(spec: ResolvedSpec, startedAt: number): AffiliateRecord {
  const d = spec.discovery;
  const addresses = [...(d?.addresses ?? [spec.address])];
  if (d?.kubespanAddress !== undefined && !addresses.includes(d.kubespanAddress)) addresses.push(d.kubespanAddress);
  return {
    nodeId: spec.nodeId,
    addresses,
    hostname: spec.hostname,
    nodename: spec.hostname,
    operatingSystem: `Talos (${spec.tag})`,
    machineType: spec.machineType,
    ...(d?.kubespanAddress === undefined ? {} : { kubespanAddress: d.kubespanAddress }),
    visibleAt: startedAt + (d?.registrationDelayMs ?? DEFAULT_REGISTRATION_DELAY_MS),
  };
}

/** The Affiliates this node lists now, ordered by id as COSI lists them. */
export function visibleAffiliates(rt: NodeRuntime, now: number): AffiliateRecord[] {
  if (rt.spec.discovery?.enabled !== true) return [];
  const others = readAffiliates(rt.spec.worldDir).filter((a) => a.nodeId !== rt.spec.nodeId && now >= a.visibleAt);
  return [ownAffiliate(rt.spec, rt.startedAt), ...others].sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
}

const ENUM: Readonly<Record<FakeMachineType, number>> = { init: 1, controlplane: 2, worker: 3 };

/** A spec both ways Talos sends it: the YAML object (keys in Go's field order) and proto_spec. */
export interface SpecForms {
  readonly yaml: object;
  readonly proto: Buffer;
}

export function affiliateSpec(a: AffiliateRecord, minor: number): SpecForms {
  const cp = isControlPlaneType(a.machineType) ? { port: API_SERVER_PORT } : undefined;
  const endpoints = a.addresses.filter((x) => x !== a.kubespanAddress).map((x) => (x.includes(":") ? `[${x}]:${KUBESPAN_PORT}` : `${x}:${KUBESPAN_PORT}`));
  const kubespan = a.kubespanAddress === undefined
    ? undefined
    : {
        // A WireGuard public key is 32 bytes in base64; any stable 32 bytes will do.
        publicKey: createHash("sha256").update(a.nodeId).digest("base64"),
        address: a.kubespanAddress,
        additionalAddresses: [],
        endpoints,
        // Talos 1.13 added this field.
        ...(minor >= 13 ? { excludeAdvertisedNetworks: [] } : {}),
      };
  const yaml = {
    nodeId: a.nodeId,
    addresses: a.addresses,
    hostname: a.hostname,
    nodename: a.nodename,
    operatingSystem: a.operatingSystem,
    machineType: a.machineType,
    ...(kubespan === undefined ? {} : { kubespan }),
    ...(cp === undefined ? {} : { controlPlane: cp }),
  };
  const proto = encode("talos.resource.definitions.cluster.AffiliateSpec", {
    node_id: a.nodeId,
    addresses: a.addresses.map(netIp),
    hostname: a.hostname,
    nodename: a.nodename,
    operating_system: a.operatingSystem,
    machine_type: ENUM[a.machineType],
    ...(kubespan === undefined
      ? {}
      : { kube_span: { public_key: kubespan.publicKey, address: netIp(kubespan.address), endpoints: endpoints.map(netIpPort) } }),
    ...(cp === undefined ? {} : { control_plane: { api_server_port: cp.port } }),
  });
  return { yaml, proto };
}

/** Members: Talos's MemberController copies these fields of an affiliate that has a nodename. */
export function memberSpec(a: AffiliateRecord): SpecForms {
  const cp = isControlPlaneType(a.machineType) ? { port: API_SERVER_PORT } : undefined;
  const yaml = {
    nodeId: a.nodeId,
    addresses: a.addresses,
    hostname: a.hostname,
    machineType: a.machineType,
    operatingSystem: a.operatingSystem,
    ...(cp === undefined ? {} : { controlPlane: cp }),
  };
  const proto = encode("talos.resource.definitions.cluster.MemberSpec", {
    node_id: a.nodeId,
    addresses: a.addresses.map(netIp),
    hostname: a.hostname,
    machine_type: ENUM[a.machineType],
    operating_system: a.operatingSystem,
    ...(cp === undefined ? {} : { control_plane: { api_server_port: cp.port } }),
  });
  return { yaml, proto };
}

export function identitySpec(nodeId: string): SpecForms {
  return { yaml: { nodeId }, proto: encode("talos.resource.definitions.cluster.IdentitySpec", { node_id: nodeId }) };
}

function encode(type: string, value: object): Buffer {
  const t = specMessage(type);
  return Buffer.from(t.encode(t.fromObject(value)).finish());
}

/** Go's netip.Addr.MarshalBinary: 4 bytes for IPv4, 16 for IPv6. */
function ipBytes(text: string): Buffer {
  const a = parseAddress(text);
  const hex = a.value.toString(16).padStart(a.family === 4 ? 8 : 32, "0");
  return Buffer.from(hex, "hex");
}

const netIp = (text: string): { ip: Buffer } => ({ ip: ipBytes(text) });

function netIpPort(text: string): { ip: Buffer; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text);
  if (m === null) throw new Error(`not host:port: ${text}`);
  return { ip: ipBytes(m[1] as string), port: Number(m[2]) };
}
