// machine.MachineService as a Talos node of spec.talosVersion answers it
// (TALOS.md §3, §5). Replies carry no metadata: that is filled only when apid
// proxies with `nodes`, which the fake does not do.
import { readConfined } from "./files.js";
import { listServices } from "./services.js";
import { criReady, type Handler, type NodeRuntime } from "./runtime.js";
import { Code, StatusError } from "./status.js";
import { readWorld } from "./world.js";
import { memberIdOf, type EtcdService } from "./etcd.js";
import { etcdRecoverHandlers } from "./etcd-recover.js";
import { listFiles, type ListRequest } from "./etcd-dir.js";

const READ_CHUNK_BYTES = 1024;

export function machineHandlers(rt: NodeRuntime): Readonly<Record<string, Handler>> {
  const { spec } = rt;
  const cpOnly = (what: string): StatusError => new StatusError(Code.UNIMPLEMENTED, `${what} is only available on control plane nodes`);

  return {
    ...etcdRecoverHandlers(rt),

    Version: async () => [
      {
        messages: [
          {
            version: { tag: spec.tag, sha: "fake", built: "", go_version: "go1.24", os: "linux", arch: process.arch === "arm64" ? "arm64" : "amd64" },
            platform: { name: "metal", mode: "metal" },
            features: { rbac: spec.rbac },
          },
        ],
      },
    ],

    SystemStat: async () => [{ messages: [{ boot_time: spec.bootTime.toString() }] }],

    ServiceList: async (_req, ctx) => [
      {
        messages: [
          {
            services: listServices(rt, ctx.now).map((s) => ({
              id: s.id,
              state: s.state,
              events: { events: s.events.map((e) => ({ msg: e.msg, state: e.state, ts: timestamp(e.at) })) },
              health: { unknown: s.unknown, healthy: s.healthy, last_message: s.message, last_change: timestamp(s.events.at(-1)?.at ?? rt.startedAt) },
            })),
          },
        ],
      },
    ],

    // The checks in Talos's order; the codes moved between releases (TALOS.md §0, §5).
    // recover_etcd changes nothing here: the snapshot is looked at only by
    // etcd's pre-stage, after this call has answered OK (etcd.ts).
    Bootstrap: async (req, ctx) => {
      if (!criReady(rt, ctx.now)) throw new StatusError(Code.FAILED_PRECONDITION, "bootstrap is not available yet");
      if (spec.machineType === "worker") {
        if (spec.minor >= 13) throw cpOnly("bootstrap");
        throw new StatusError(Code.FAILED_PRECONDITION, "bootstrap can only be performed on a control plane node");
      }
      if (!spec.timeSynced) throw new StatusError(Code.FAILED_PRECONDITION, "time is not in sync yet");
      if (rt.etcd.hasData()) throw new StatusError(Code.ALREADY_EXISTS, "etcd data directory is not empty");
      const { recover_etcd: recover = false, recover_skip_hash_check: skipHashCheck = false } = req as { recover_etcd?: boolean; recover_skip_hash_check?: boolean };
      rt.etcd.bootstrap(ctx.now, ctx.caller.fingerprint, recover ? { skipHashCheck } : undefined);
      rt.etcd.refresh(ctx.now);
      return [{ messages: [{}] }];
    },

    EtcdMemberList: async (req, ctx) => {
      if (spec.machineType === "worker") throw new StatusError(Code.UNIMPLEMENTED, "member list is only available on control plane nodes");
      const local = (req as { query_local?: boolean }).query_local === true;
      const etcd = rt.etcd.refresh(ctx.now);
      // Non-local queries go through the control plane endpoint, which reaches
      // whichever etcd answers; the fake takes the first cluster of the world.
      const cluster = etcd?.state === "Running" ? etcd.cluster : local ? undefined : readWorld(spec.worldDir).clusters[0];
      if (cluster === undefined) throw etcdDown(etcd);
      const members = Object.entries(readWorld(spec.worldDir).members).filter(([, c]) => c === cluster);
      if (members.length === 0) throw etcdDown(etcd);
      return [
        {
          messages: [
            {
              members: members.map(([address]) => ({
                id: BigInt(`0x${memberIdOf(address, cluster)}`).toString(),
                hostname: `talos-${address.replaceAll(/[.:]/g, "-")}`,
                peer_urls: [`https://${hostPort(address, 2380)}`],
                client_urls: [`https://${hostPort(address, 2379)}`],
                is_learner: false,
              })),
            },
          ],
        },
      ];
    },

    EtcdStatus: async (_req, ctx) => {
      if (spec.machineType === "worker") throw cpOnly("etcd status");
      const etcd = rt.etcd.refresh(ctx.now);
      if (etcd?.state !== "Running") throw etcdDown(etcd);
      const id = BigInt(`0x${etcd.memberId}`).toString();
      const leader = BigInt(`0x${memberIdOf(etcd.cluster, etcd.cluster)}`).toString();
      return [{ messages: [{ member_status: { protocol_version: "3.5.0", member_id: id, leader, raft_index: "1", raft_term: "2", raft_applied_index: "1", db_size: "20480", db_size_in_use: "16384", is_learner: false, errors: [], storage_version: "3.5.0" } }] }];
    },

    List: async (req, ctx) => listFiles(spec, rt.etcd, req as ListRequest, ctx.now),

    Read: async (req, ctx) => {
      const path = (req as { path?: string }).path ?? "";
      const bytes = await readConfined(spec.filesRoot, path, { signal: ctx.signal });
      // Small chunks, as Talos streams files, so clients must concatenate.
      const out: object[] = [];
      for (let at = 0; at < bytes.length; at += READ_CHUNK_BYTES) out.push({ bytes: bytes.subarray(at, at + READ_CHUNK_BYTES) });
      return out;
    },
  };
}

/** What asking a local etcd that does not run gives: a plain Go error, i.e. Unknown. */
function etcdDown(etcd: EtcdService | null): StatusError {
  const why = etcd === null ? "no etcd" : etcd.state;
  return new StatusError(Code.UNKNOWN, `failed to create etcd client: dial tcp 127.0.0.1:2379: connect: connection refused (etcd ${why})`);
}

function hostPort(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

export function timestamp(ms: number): { seconds: string; nanos: number } {
  return { seconds: Math.floor(ms / 1000).toString(), nanos: (ms % 1000) * 1_000_000 };
}
