// From the Affiliates.cluster.talos.dev a node lists (COSI, namespace
// `cluster`) to the control planes worth probing: Talos's own view of the
// cluster, across subnets, before etcd exists (docs/talos-facts.md §1).
// Pure: the caller lists, this decides. A listed affiliate is data from
// other nodes relayed by the discovery service; it is authenticated later,
// by mutual TLS against the machine CA at each address, so here it only has
// to be well-formed and bounded. Anything odd skips that affiliate, with a
// reason; nothing here throws on a peer's data.
import { parse as parseYaml } from "yaml";
import { formatAddress, parseAddress, type IpAddress } from "../core/address.js";

export interface AffiliateLimits {
  /** Affiliates looked at; the rest are counted as left out. */
  readonly maxAffiliates: number;
  /** Addresses kept per affiliate, in the order listed. */
  readonly maxAddressesEach: number;
}

export const DEFAULT_AFFILIATE_LIMITS: AffiliateLimits = { maxAffiliates: 128, maxAddressesEach: 16 };
/** A Talos affiliate spec is well under 2 KiB; a larger one is not parsed at all. */
const MAX_SPEC_BYTES = 16 * 1024;
/** Node ids are base62 of 32 bytes (43 characters); leave room, refuse essays. */
const MAX_NODE_ID_LENGTH = 128;
/** An FQDN is at most 253 characters. */
const MAX_HOSTNAME_LENGTH = 253;
/** Raw address entries read per affiliate, valid or not: bounds the work on a hostile list. */
const MAX_RAW_ADDRESSES = 256;

/** What List returns for each affiliate (the fields of CosiResource this needs). */
export interface ListedAffiliate {
  readonly id: string;
  readonly yamlSpec: string;
}

export interface ControlPlanePeer {
  /** Talos's node id: one peer however many addresses or sources name it. */
  readonly nodeId: string;
  readonly hostname: string;
  readonly machineType: "controlplane" | "init";
  /** Canonical, distinct, in listed order; the KubeSpan address last. */
  readonly addresses: readonly string[];
}

export interface SkippedAffiliate {
  readonly id: string;
  readonly reason: string;
}

export interface AffiliatePeers {
  /** Ordered by node id. */
  readonly peers: readonly ControlPlanePeer[];
  /** Workers, our own node and malformed entries, each with why. */
  readonly skipped: readonly SkippedAffiliate[];
  /** Affiliates beyond maxAffiliates, not looked at. */
  readonly leftOut: number;
}

/**
 * controlPlanePeers keeps the affiliates whose machineType is controlplane or
 * init, other than `selfNodeId`, with every usable address each lists
 * (IPv4 and IPv6, any subnet, plus its KubeSpan address). Unknown fields are
 * ignored, so a newer Talos's additions change nothing.
 */
export function controlPlanePeers(
  listed: readonly ListedAffiliate[],
  opts: { readonly selfNodeId?: string; readonly limits?: AffiliateLimits } = {},
): AffiliatePeers {
  const limits = opts.limits ?? DEFAULT_AFFILIATE_LIMITS;
  const peers = new Map<string, ControlPlanePeer>();
  const skipped: SkippedAffiliate[] = [];
  for (const item of listed.slice(0, limits.maxAffiliates)) {
    const id = typeof item.id === "string" ? item.id.slice(0, MAX_NODE_ID_LENGTH) : "";
    const result = peerOf(item, limits.maxAddressesEach);
    if (typeof result === "string") skipped.push({ id, reason: result });
    else if (result.nodeId === opts.selfNodeId) skipped.push({ id, reason: "this node" });
    else if (peers.has(result.nodeId)) skipped.push({ id, reason: "node id listed twice" });
    else peers.set(result.nodeId, result);
  }
  return {
    peers: [...peers.values()].sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0)),
    skipped,
    leftOut: Math.max(0, listed.length - limits.maxAffiliates),
  };
}

/**
 * nodeIdOf reads Identities.cluster.talos.dev/local's yaml_spec (`nodeId: …`):
 * this node's id, to leave itself out of the Affiliates; null if malformed.
 */
export function nodeIdOf(yamlSpec: string): string | null {
  if (typeof yamlSpec !== "string" || yamlSpec.length > MAX_SPEC_BYTES) return null;
  let spec: unknown;
  try {
    spec = parseYaml(yamlSpec, { maxAliasCount: 0 });
  } catch {
    return null;
  }
  const id = isRecord(spec) ? spec["nodeId"] : undefined;
  return typeof id === "string" && /^[\x21-\x7e]+$/.test(id) && id.length <= MAX_NODE_ID_LENGTH ? id : null;
}

/** One affiliate: a peer, or why not. */
function peerOf(item: ListedAffiliate, maxAddresses: number): ControlPlanePeer | string {
  if (typeof item.yamlSpec !== "string" || item.yamlSpec.length > MAX_SPEC_BYTES) return `spec missing or larger than ${MAX_SPEC_BYTES} bytes`;
  let spec: unknown;
  try {
    // No aliases: Talos never writes them, and they are how YAML bombs grow.
    spec = parseYaml(item.yamlSpec, { maxAliasCount: 0 });
  } catch {
    return "spec is not YAML";
  }
  if (!isRecord(spec)) return "spec is not a mapping";
  const machineType = spec["machineType"];
  if (machineType !== "controlplane" && machineType !== "init") return `not a control plane (machineType ${JSON.stringify(machineType ?? null)})`;
  const nodeId = typeof spec["nodeId"] === "string" ? spec["nodeId"] : "";
  if (!/^[\x21-\x7e]+$/.test(nodeId) || nodeId.length > MAX_NODE_ID_LENGTH) return "node id missing or malformed";
  // Talos keys each affiliate by its node id; a mismatch is not Talos's doing.
  if (item.id !== nodeId) return "resource id differs from nodeId";
  const kubespan = spec["kubespan"];
  const raw = [...listOf(spec["addresses"]), ...(isRecord(kubespan) ? [kubespan["address"]] : [])];
  const addresses = usableAddresses(raw.slice(0, MAX_RAW_ADDRESSES), maxAddresses);
  if (addresses.length === 0) return "no usable address";
  const hostname = typeof spec["hostname"] === "string" ? spec["hostname"].slice(0, MAX_HOSTNAME_LENGTH) : "";
  return { nodeId, hostname, machineType, addresses };
}

/**
 * Parses, drops what cannot be dialed (unspecified, multicast, IPv6
 * link-local, which needs a zone Talos does not publish) and duplicates.
 * Loopback stays: Talos never publishes it, and the test clusters live there.
 */
function usableAddresses(raw: readonly unknown[], max: number): string[] {
  const out: string[] = [];
  for (const entry of raw) {
    if (out.length >= max) break;
    if (typeof entry !== "string") continue;
    let ip: IpAddress;
    try {
      ip = parseAddress(entry);
    } catch {
      continue;
    }
    if (!dialable(ip)) continue;
    const text = formatAddress(ip);
    if (!out.includes(text)) out.push(text);
  }
  return out;
}

function dialable(ip: IpAddress): boolean {
  if (ip.value === 0n) return false;
  if (ip.family === 4) return ip.value >> 28n !== 0xen; // 224.0.0.0/4 multicast
  if (ip.value >> 120n === 0xffn) return false; // ff00::/8 multicast
  return ip.value >> 118n !== 0x3fan; // fe80::/10 link-local
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const listOf = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);
