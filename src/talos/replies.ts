// Pure checks that turn decoded replies into the values the agent uses. A
// peer is untrusted input even after TLS: anything missing or odd is
// "malformed", never a guess.
import { parse as parseYaml } from "yaml";
import type { MachineType } from "../core/types.js";
import { TalosError } from "./errors.js";

/** The fields every MachineService reply item may carry (apid "nodes" mode only). */
interface Item {
  readonly metadata?: { readonly error?: string; readonly hostname?: string } | null;
}

/** The reply item of a call to one node: exactly the first, and not an apid-relayed error. */
export function single<T extends Item>(reply: { readonly messages?: readonly T[] } | null | undefined, rpc: string): T {
  const first = reply?.messages?.[0];
  if (first === undefined) throw new TalosError("malformed", `${rpc}: reply has no message`);
  const error = first.metadata?.error;
  if (typeof error === "string" && error !== "") throw new TalosError("unknown", `${rpc}: ${error}`);
  return first;
}

/** uint64 arrives as a decimal string (longs: String); a JS number would lose bits above 2^53. */
export function uint64(value: unknown, field: string): bigint {
  if (typeof value !== "string" || !/^\d{1,20}$/.test(value)) {
    throw new TalosError("malformed", `${field}: not a uint64: ${String(value)}`);
  }
  const n = BigInt(value);
  if (n >= 2n ** 64n) throw new TalosError("malformed", `${field}: out of range: ${value}`);
  return n;
}

export function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

const MACHINE_TYPES: readonly MachineType[] = ["controlplane", "init", "worker", "unknown"];

/**
 * MAX_MACHINE_TYPE_SPEC: MachineTypes' yaml_spec is one word and a newline
 * ("controlplane\n", 13 bytes). A peer's longer text is refused unparsed:
 * parsing untrusted YAML costs memory in proportion to its nesting.
 */
export const MAX_MACHINE_TYPE_SPEC = 256;

/** machineTypeOf reads MachineTypes.config.talos.dev's yaml_spec: a bare scalar. */
export function machineTypeOf(yamlSpec: string): MachineType {
  if (yamlSpec.length > MAX_MACHINE_TYPE_SPEC) {
    throw new TalosError("malformed", `machine type: yaml_spec of ${yamlSpec.length} characters`);
  }
  let value: unknown;
  try {
    // "silent": the yaml library would print its warnings, with the peer's text, to stderr.
    value = parseYaml(yamlSpec, { logLevel: "silent", maxAliasCount: 0 });
  } catch (cause) {
    throw new TalosError("malformed", `machine type: not YAML`, { cause });
  }
  const found = MACHINE_TYPES.find((t) => t === value);
  if (found === undefined) throw new TalosError("malformed", `machine type: unexpected value ${JSON.stringify(value)}`);
  return found;
}

export interface ServiceStatus {
  readonly id: string;
  /** Talos's service state word: Running, Preparing, Waiting, Finished, … */
  readonly state: string;
  /** null when Talos has no health verdict (no check, or not run yet). */
  readonly healthy: boolean | null;
}

/** A COSI resource as the State API returns it. */
export interface CosiResource {
  readonly namespace: string;
  readonly type: string;
  readonly id: string;
  readonly version: string;
  /** Always filled by the server (cosi-runtime). */
  readonly yamlSpec: string;
  readonly protoSpec: Buffer;
}

interface RawService {
  readonly id?: unknown;
  readonly state?: unknown;
  readonly health?: { readonly unknown?: unknown; readonly healthy?: unknown } | null;
}

export function serviceOf(raw: RawService): ServiceStatus {
  const id = text(raw.id);
  if (id === "") throw new TalosError("malformed", "service list: entry without id");
  const health = raw.health;
  const healthy = health === null || health === undefined || health.unknown === true ? null : health.healthy === true;
  return { id, state: text(raw.state), healthy };
}

interface RawResource {
  readonly metadata?: { readonly namespace?: unknown; readonly type?: unknown; readonly id?: unknown; readonly version?: unknown } | null;
  readonly spec?: { readonly yaml_spec?: unknown; readonly proto_spec?: unknown } | null;
}

/** resourceOf checks one decoded COSI Resource: metadata and spec present, an id and a type. */
export function resourceOf(raw: RawResource | null | undefined, what: string): CosiResource {
  const meta = raw?.metadata;
  const spec = raw?.spec;
  if (meta === null || meta === undefined || spec === null || spec === undefined) throw new TalosError("malformed", `${what}: resource without metadata or spec`);
  const id = text(meta.id);
  const type = text(meta.type);
  if (id === "" || type === "") throw new TalosError("malformed", `${what}: resource without id or type`);
  return {
    namespace: text(meta.namespace),
    type,
    id,
    version: text(meta.version),
    yamlSpec: text(spec.yaml_spec),
    protoSpec: Buffer.isBuffer(spec.proto_spec) ? spec.proto_spec : Buffer.alloc(0),
  };
}
