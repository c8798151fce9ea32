// COSI State/List: every resource of one type in one namespace, as a server
// stream. Bounded by a count and by the bytes of the specs, so a node (or
// whatever answers in its place) cannot make us buffer without end.
import type { MethodDefinition } from "@grpc/proto-loader";
import { serverStream, type CallOptions, type Channel } from "./channel.js";
import { CosiState } from "./protos.js";
import { resourceOf, type CosiResource } from "./replies.js";

/** A resource type in a namespace: what List names. */
export interface ResourceKind {
  readonly namespace: string;
  readonly type: string;
}

export interface ListLimits {
  /** Default DEFAULT_LIST_MAX_RESOURCES. */
  readonly maxResources?: number;
  /** Sum of the specs' sizes (yaml + proto); default DEFAULT_LIST_MAX_BYTES. */
  readonly maxBytes?: number;
}

/** A cluster lists one Affiliate per node: hundreds at most. */
export const DEFAULT_LIST_MAX_RESOURCES = 512;
export const DEFAULT_LIST_MAX_BYTES = 4 * 1024 * 1024;

/** What a resource carries besides its spec (names, version, timestamps, labels), at most, on the wire. */
const RESOURCE_METADATA_BYTES = 4 * 1024;

const LIST = CosiState["List"] as MethodDefinition<object, { resource?: unknown }>;

/** listResources refuses (as "malformed") a reply over the limits or naming another type. */
export async function listResources(channel: Channel, ref: ResourceKind, opts: CallOptions & ListLimits): Promise<CosiResource[]> {
  const maxResources = opts.maxResources ?? DEFAULT_LIST_MAX_RESOURCES;
  const maxBytes = opts.maxBytes ?? DEFAULT_LIST_MAX_BYTES;
  const what = `COSI List ${ref.namespace}/${ref.type}`;
  const out: CosiResource[] = [];
  let bytes = 0;
  await serverStream(channel, LIST, { namespace: ref.namespace, type: ref.type, options: {} }, {
    ...opts,
    // The stream's own caps (limits.ts), sized for this list rather than for a Read.
    limits: { maxMessages: maxResources + 1, maxBytes: maxBytes + (maxResources + 1) * RESOURCE_METADATA_BYTES },
    accept: (item) => {
      let resource: CosiResource;
      try {
        resource = resourceOf(item?.resource as Parameters<typeof resourceOf>[0], what);
      } catch (err) {
        return err instanceof Error ? err.message : String(err);
      }
      if (resource.namespace !== ref.namespace || resource.type !== ref.type) return `${what}: got ${resource.namespace}/${resource.type}`;
      bytes += resource.yamlSpec.length + resource.protoSpec.length;
      if (out.length >= maxResources) return `${what}: more than ${maxResources} resources`;
      if (bytes > maxBytes) return `${what}: more than ${maxBytes} bytes`;
      out.push(resource);
      return undefined;
    },
  });
  return out;
}
