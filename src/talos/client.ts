// The Talos API of ONE node, as the agent needs it. Each method is one gRPC
// call with its own deadline, and fails only with TalosError.
import type { MethodDefinition } from "@grpc/proto-loader";
import type { MachineType } from "../core/types.js";
import { closeChannel, openChannel, serverStream, unary, type CallOptions, type Channel, type ChannelOptions } from "./channel.js";
import { listResources, type ListLimits, type ResourceKind } from "./cosi-list.js";
import { TalosError } from "./errors.js";
import { etcdRecover, type UploadLimits } from "./etcd-recover.js";
import { MAX_EMPTY_CHUNKS, MAX_READ_BYTES } from "./limits.js";
import { listDir, type FileEntry, type ListDirOptions } from "./file-list.js";
import { CosiState, MachineService } from "./protos.js";
import * as reply from "./replies.js";

export type { CallOptions } from "./channel.js";
export type { ListLimits, ResourceKind } from "./cosi-list.js";
export type { UploadLimits } from "./etcd-recover.js";
export type { FileEntry, ListDirOptions } from "./file-list.js";
export type { CosiResource, ServiceStatus } from "./replies.js";

/** Largest file read() accepts (limits.ts MAX_READ_BYTES). */
export const DEFAULT_READ_LIMIT = MAX_READ_BYTES;

export interface ResourceRef {
  readonly namespace: string;
  readonly type: string;
  readonly id: string;
}

export const MACHINE_TYPE: ResourceRef = { namespace: "config", type: "MachineTypes.config.talos.dev", id: "machine-type" };
/** This node's identity (reader is enough): its `nodeId`, read with discovery/affiliates.ts nodeIdOf. */
export const NODE_IDENTITY: ResourceRef = { namespace: "cluster", type: "Identities.cluster.talos.dev", id: "local" };

export interface TalosClient {
  /** /proc/stat btime of the node, Unix seconds; a bigint because it is a uint64. */
  systemStat(opts: CallOptions): Promise<{ bootTime: bigint }>;
  machineType(opts: CallOptions): Promise<MachineType>;
  /** COSI State/Get; a missing resource is TalosError "not-found". */
  getResource(ref: ResourceRef, opts: CallOptions): Promise<reply.CosiResource>;
  serviceList(opts: CallOptions): Promise<reply.ServiceStatus[]>;
  /** MachineService/List of a directory (reader is enough): the root first, refused above maxEntries. */
  listDir(root: string, opts: CallOptions & ListDirOptions): Promise<FileEntry[]>;
  /** MachineService/Read of a regular file (admin only), refused above maxBytes. */
  read(path: string, opts: CallOptions & { readonly maxBytes?: number }): Promise<Buffer>;
  /**
   * The key (tls.ts serverKeyOf) of the certificate the latest verified
   * handshake showed; null before one. A channel dials one address over one
   * connection at a time, so right after a call it is the key of the server
   * that answered it.
   */
  serverKey(): string | null;
  /**
   * MachineService/Bootstrap: the one call that must never be made twice in a cluster.
   * recoverEtcd restores the snapshot uploaded with etcdRecover (docs/talos-facts.md §2).
   */
  bootstrap(opts: CallOptions & BootstrapOptions): Promise<void>;
  close(): void;
  /** COSI State/List of one type (reader is enough for non-sensitive types), refused above the limits. */
  listResources(ref: ResourceKind, opts: CallOptions & ListLimits): Promise<reply.CosiResource[]>;
  /**
   * MachineService/EtcdRecover (admin only): uploads an etcd snapshot to the
   * node's /var/lib/etcd.snapshot, refused above maxBytes. Resolves with the
   * number of bytes sent once the node has stored them all.
   */
  etcdRecover(snapshot: AsyncIterable<Buffer> | Buffer, opts: CallOptions & UploadLimits): Promise<{ bytes: number }>;
}

export interface BootstrapOptions {
  readonly recoverEtcd?: boolean;
  /** Only for a copied data directory: a snapshot from `etcdctl snapshot save` carries a hash to check. */
  readonly recoverSkipHashCheck?: boolean;
}

function method(service: typeof MachineService, name: string): MethodDefinition<object, object> {
  const found = service[name];
  if (found === undefined) throw new Error(`no method ${name}`);
  return found as MethodDefinition<object, object>;
}

const M = {
  systemStat: method(MachineService, "SystemStat"),
  serviceList: method(MachineService, "ServiceList"),
  read: method(MachineService, "Read"),
  bootstrap: method(MachineService, "Bootstrap"),
  get: method(CosiState, "Get"),
};

/** A decoded protobuf object: shapes are checked field by field in replies.ts. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Decoded = any;

/** clientOn exposes the Talos API over an open channel. */
export function clientOn(channel: Channel, onClose: () => void = () => closeChannel(channel)): TalosClient {
  const call = (m: MethodDefinition<object, object>, request: object, opts: CallOptions): Promise<Decoded> =>
    unary(channel, m, request, opts);

  const getResource = async (ref: ResourceRef, opts: CallOptions): Promise<reply.CosiResource> => {
    const got: Decoded = await call(M.get, { ...ref, options: {} }, opts);
    const resource = got?.resource;
    const meta = resource?.metadata;
    if (meta === null || meta === undefined || resource.spec === null || resource.spec === undefined) {
      throw new TalosError("malformed", `COSI ${ref.type}/${ref.id}: reply without resource`);
    }
    if (meta.id !== ref.id || meta.type !== ref.type) {
      throw new TalosError("malformed", `COSI ${ref.type}/${ref.id}: got ${String(meta.type)}/${String(meta.id)}`);
    }
    return {
      namespace: reply.text(meta.namespace),
      type: meta.type,
      id: meta.id,
      version: reply.text(meta.version),
      yamlSpec: reply.text(resource.spec.yaml_spec),
      protoSpec: Buffer.isBuffer(resource.spec.proto_spec) ? resource.spec.proto_spec : Buffer.alloc(0),
    };
  };

  return {
    async systemStat(opts) {
      const s: Decoded = reply.single(await call(M.systemStat, {}, opts), "SystemStat");
      const bootTime = reply.uint64(s.boot_time, "boot_time");
      if (bootTime === 0n) throw new TalosError("malformed", "SystemStat: boot_time is 0");
      return { bootTime };
    },

    async machineType(opts) {
      return reply.machineTypeOf((await getResource(MACHINE_TYPE, opts)).yamlSpec);
    },

    getResource,

    async serviceList(opts) {
      const l: Decoded = reply.single(await call(M.serviceList, {}, opts), "ServiceList");
      return (l.services ?? []).map(reply.serviceOf);
    },

    listDir: (root, opts) => listDir(channel, root, opts),

    async read(path, opts) {
      const limit = opts.maxBytes ?? DEFAULT_READ_LIMIT;
      // The stream's own caps (limits.ts) are sized for reads up to this.
      if (limit > DEFAULT_READ_LIMIT) throw new RangeError(`read limit ${limit} is above ${DEFAULT_READ_LIMIT}`);
      let total = 0;
      let empty = 0;
      const chunks = await serverStream<object, Decoded>(channel, M.read, { path }, {
        signal: opts.signal,
        ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
        accept: (data) => {
          const error = data?.metadata?.error;
          if (typeof error === "string" && error !== "") return `Read ${path}: ${error}`;
          if (!Buffer.isBuffer(data?.bytes)) return `Read ${path}: chunk without bytes`;
          if (data.bytes.length === 0 && ++empty > MAX_EMPTY_CHUNKS) return `Read ${path}: more than ${MAX_EMPTY_CHUNKS} empty chunks`;
          total += data.bytes.length;
          return total > limit ? `Read ${path}: larger than ${limit} bytes` : undefined;
        },
      });
      return Buffer.concat(chunks.map((d) => d.bytes as Buffer));
    },

    async bootstrap(opts) {
      // Status OK is the answer; the empty reply item is not required, so a
      // Bootstrap that happened is never reported as a failure.
      const request = { recover_etcd: opts.recoverEtcd === true, recover_skip_hash_check: opts.recoverSkipHashCheck === true };
      const r: Decoded = await call(M.bootstrap, request, opts);
      const error = r?.messages?.[0]?.metadata?.error;
      if (typeof error === "string" && error !== "") throw new TalosError("unknown", `Bootstrap: ${error}`);
    },

    close: onClose,

    serverKey: () => channel.serverKey ?? null,

    listResources: (ref, opts) => listResources(channel, ref, opts),

    etcdRecover: (snapshot, opts) => etcdRecover(channel, snapshot, opts),
  };
}

/** connectTalos opens a dedicated (unpooled) client for one node. */
export function connectTalos(opts: ChannelOptions): TalosClient {
  return clientOn(openChannel(opts));
}
