// A scripted Talos world for driving the real run() loop: nodes with a
// machine type, a boot time, an etcd state, a ballot and the answers their
// Bootstrap gives. No network: the TalosPort's probe is scripted, and etcd,
// ballot and Bootstrap go through the real handlers (src/agent/handlers/) over
// a fake TalosClient that fails exactly as the real one does (TalosError from
// a gRPC status). Time is virtual: sleep advances it at once.
//
// Every call that run() awaits is counted; `abortAt: k` aborts the run's
// signal during the k-th one, and from then on each edge answers as an aborted
// I/O does (sleep false, probe timeout, calls canceled).
import { status } from "@grpc/grpc-js";
import { pino } from "pino";
import { BALLOT_DIR, encodeBallot } from "../../../src/ballots/codec.js";
import { judgeBallotMount } from "../../../src/ballots/mount-check.js";
import type { RunDeps } from "../../../src/agent/deps.js";
import { readBallot } from "../../../src/agent/handlers/ballot.js";
import { callBootstrap } from "../../../src/agent/handlers/bootstrap.js";
import { uploadSnapshot } from "../../../src/agent/handlers/etcd-recover.js";
import { readEtcdData } from "../../../src/agent/handlers/etcd-data.js";
import { readEtcd } from "../../../src/agent/handlers/etcd.js";
import { readNodeId } from "../../../src/agent/handlers/node-id.js";
import type { AffiliatesRead } from "../../../src/agent/handlers/affiliates.js";
import type { TalosPort } from "../../../src/agent/port.js";
import { acceptRequests } from "../../../src/core/paxos.js";
import type { Ballot, MachineType, ProbeResult } from "../../../src/core/types.js";
import type { MachineCa } from "../../../src/credentials/ca.js";
import type { ConfiguredMachineType } from "../../../src/credentials/machine-config.js";
import { parsePrefix } from "../../../src/discovery/prefixes.js";
import { SnapshotError } from "../../../src/recovery/errors.js";
import type { TalosClient } from "../../../src/talos/client.js";
import { TalosError, toTalosError } from "../../../src/talos/errors.js";

/** A gRPC failure a node answers with: [status code, details]. */
export type Failure = readonly [number, string];

export interface FakeNode {
  machineType: MachineType;
  bootTime: bigint;
  etcd: "absent" | "running" | "unreadable";
  /** A peer's ballot file: null is no file (NotFound). Ignored for this node: run() keeps its own. */
  ballot: Ballot | null;
  /** A peer that is an acceptor answers the requests it reads in our saved ballot (real core paxos). */
  acceptor: boolean;
  /** Answers to successive Bootstrap calls, null = OK; the last one repeats. */
  bootstrap: (Failure | null)[];
  /** Answers to successive EtcdRecover calls, null = stored; the last one repeats. */
  etcdRecover: (Failure | null)[];
  /** The key of its apid certificate (tls.ts serverKeyOf); default one per address. */
  serverKey?: string;
}

export const SELF = "10.0.0.1";

/** The cluster every fake node's machine config names (besides its CA). */
export const CLUSTER_NAME = { name: "fake", endpoint: "https://fake.example:6443" } as const;

/** A peer's ballot of this fake cluster, publishing QUORUM_NODES `quorum` (it must match ours). */
export const peerBallot = (caFingerprint: string, quorum = 2, id = "b".repeat(32)): Ballot => ({
  version: 2,
  id,
  machine: id.slice(0, 1).repeat(64),
  cluster: { ca: caFingerprint, ...CLUSTER_NAME },
  settings: { quorum, controlPlanes: null },
  promised: null,
  accepted: null,
  proposal: null,
  bootstrapped: false,
  peers: {},
});

/** MAX_CALLS: far more awaited calls than any scripted run makes. */
const MAX_CALLS = 2_000;

export interface WorldOptions {
  readonly ca: MachineCa;
  readonly machineType?: ConfiguredMachineType;
  readonly nodes: Record<string, Partial<FakeNode>>;
  readonly abortAt?: number;
  /** Virtual ms before this node's interfaces have an address (default 0). */
  readonly addressFromMs?: number;
  /** Talos discovery on: these nodes' addresses are listed as affiliates (absent: discovery off). */
  readonly discovery?: readonly string[];
  /** Virtual ms before the nodes in `discovery` are listed (their registration); default 0. */
  readonly discoveryFromMs?: number;
  /** Virtual ms before this node's own apid answers (default 0). */
  readonly selfUpFromMs?: number;
  /** An armed recovery's snapshot: the bytes, or the SnapshotErrors successive prepares throw first. */
  readonly snapshot?: { readonly bytes: Buffer; readonly failures?: SnapshotError[] };
  /** The filesystem holding /var (so the ballot directory); default xfs. */
  readonly varFs?: string;
  /** /proc/cmdline; default without siderolink.api. */
  readonly cmdline?: string;
}

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [k: string]: unknown;
}

export function fakeWorld(opts: WorldOptions) {
  const controller = new AbortController();
  const nodes = new Map<string, FakeNode>();
  for (const [address, n] of Object.entries(opts.nodes)) {
    nodes.set(address, { machineType: "controlplane", bootTime: 1000n, etcd: "absent", ballot: null, acceptor: false, bootstrap: [null], etcdRecover: [null], ...n });
  }
  const w = {
    signal: controller.signal,
    now: 0,
    /** Every awaited call, in order: "probe 10.0.0.2", "sleep 1000", … */
    calls: [] as string[],
    /** Index in `calls` of the call during which the signal was aborted. */
    abortedAt: null as number | null,
    saved: [] as Ballot[],
    /** Virtual time of each Bootstrap call that reached the node. */
    bootstraps: [] as number[],
    /** recover_etcd of each Bootstrap call that reached the node. */
    recoverFlags: [] as { recoverEtcd: boolean; recoverSkipHashCheck: boolean }[],
    /** What each EtcdRecover stored (a failed upload stores nothing). */
    uploads: [] as Buffer[],
    /** Snapshot preparations, discards and spool clean-ups, in order. */
    snapshotCalls: [] as string[],
    /** Every status.json written, parsed. */
    statuses: [] as Record<string, unknown>[],
    lines: [] as LogLine[],
  };
  const log = pino({ level: "debug" }, { write: (line: string) => void w.lines.push(JSON.parse(line) as LogLine) });

  /** enter counts an awaited call and aborts during the abortAt-th one. */
  const enter = (what: string): boolean => {
    w.calls.push(what);
    // Virtual time never blocks: a loop that never ends must fail, not hang.
    if (w.calls.length > MAX_CALLS) throw new Error(`more than ${MAX_CALLS} calls: ${w.calls.slice(-6).join(", ")}`);
    if (opts.abortAt === w.calls.length && !controller.signal.aborted) {
      w.abortedAt = w.calls.length - 1;
      controller.abort();
    }
    return controller.signal.aborted;
  };
  const node = (address: string): FakeNode => {
    const n = nodes.get(address);
    if (n === undefined) throw new TalosError("refused", `connect ECONNREFUSED ${address}:50000`);
    return n;
  };
  const grpc = ([code, details]: Failure): TalosError => toTalosError(Object.assign(new Error(details), { code, details }));
  const canceled = () => new TalosError("canceled", "The operation was aborted");

  const unscripted = () => Promise.reject(new Error("not scripted"));
  const client = (address: string): TalosClient => ({
    systemStat: unscripted,
    machineType: unscripted,
    async getResource(_ref, { signal }) {
      if (signal.aborted) throw canceled();
      node(address);
      return { namespace: "cluster", type: "Identities.cluster.talos.dev", id: "local", version: "1", yamlSpec: `nodeId: node-${address}\n`, protoSpec: Buffer.alloc(0) };
    },
    listResources: unscripted,
    async serviceList({ signal }) {
      if (signal.aborted) throw canceled();
      const n = node(address);
      if (n.etcd === "unreadable") throw grpc([status.UNAVAILABLE, "connection reset"]);
      return [{ id: "etcd", state: n.etcd === "running" ? "Running" : "Preparing", healthy: n.etcd === "running" }];
    },
    // /var/lib/etcd: its member dir once etcd ran here (bootstrapped or joined).
    async listDir(root, { signal }) {
      if (signal.aborted) throw canceled();
      const n = node(address);
      if (n.etcd === "unreadable") throw grpc([status.UNAVAILABLE, "connection reset"]);
      const entries = [{ name: root, relativeName: ".", isDir: true, error: "" }];
      return n.etcd === "running" ? [...entries, { name: `${root}/member`, relativeName: "member", isDir: true, error: "" }] : entries;
    },
    async read(_path, { signal }) {
      if (signal.aborted) throw canceled();
      const n = node(address);
      const ours = w.saved[w.saved.length - 1];
      // Our own file, read back through our own apid: what run() saved last.
      if (address === SELF) {
        if (ours === undefined) throw grpc([status.NOT_FOUND, "no such file or directory"]);
        return Buffer.from(encodeBallot(ours));
      }
      if (n.acceptor && n.ballot !== null && ours?.proposal) n.ballot = acceptRequests(n.ballot, [ours.proposal]);
      if (n.ballot === null) throw grpc([status.NOT_FOUND, "no such file or directory"]);
      return Buffer.from(encodeBallot(n.ballot));
    },
    async etcdRecover(chunks, { signal }) {
      if (signal.aborted) throw canceled();
      const n = node(address);
      const got: Buffer[] = [];
      try {
        for await (const c of Buffer.isBuffer(chunks) ? [chunks] : chunks) got.push(c);
      } catch (err) {
        // What client-stream.ts does when the source fails: cancel, with it as the cause.
        throw new TalosError("canceled", `EtcdRecover: the data to send failed: ${(err as Error).message}`, { cause: err });
      }
      const answer = n.etcdRecover.length > 1 ? n.etcdRecover.shift() : n.etcdRecover[0];
      if (answer !== null && answer !== undefined) throw grpc(answer);
      w.uploads.push(Buffer.concat(got));
      return { bytes: w.uploads.at(-1)?.length ?? 0 };
    },
    async bootstrap({ signal, recoverEtcd, recoverSkipHashCheck }) {
      if (signal.aborted) throw canceled();
      const n = node(address);
      w.bootstraps.push(w.now);
      w.recoverFlags.push({ recoverEtcd: recoverEtcd === true, recoverSkipHashCheck: recoverSkipHashCheck === true });
      const answer = n.bootstrap.length > 1 ? n.bootstrap.shift() : n.bootstrap[0];
      if (answer === null || answer === undefined) {
        n.etcd = "running"; // Talos creates etcd on this node
        return;
      }
      if (answer[0] === status.ALREADY_EXISTS) n.etcd = "running";
      throw grpc(answer);
    },
    close: () => undefined,
    serverKey: () => node(address).serverKey ?? `key-${address}`,
  });
  const open = (address: string) => async () => client(address);

  const port: TalosPort = {
    async probe(address, signal): Promise<ProbeResult> {
      if (enter(`probe ${address}`) || signal.aborted) return { kind: "timeout", address };
      const n = nodes.get(address);
      if (n === undefined || (address === SELF && w.now < (opts.selfUpFromMs ?? 0))) return { kind: "refused", address };
      return { kind: "talos", address, machineType: n.machineType, bootTime: n.bootTime };
    },
    etcd: (address, signal) => (enter(`etcd ${address}`), readEtcd(open(address), { signal, timeoutMs: 1000 })),
    etcdData: (address, signal) => (enter(`etcdData ${address}`), readEtcdData(open(address), { signal, timeoutMs: 1000 })),
    ballot: (address, signal) => (enter(`ballot ${address}`), readBallot(open(address), { signal, timeoutMs: 1000 })),
    async affiliates(address, signal): Promise<AffiliatesRead> {
      if (enter(`affiliates ${address}`) || signal.aborted) return { kind: "failed", reason: "canceled" };
      // Talos lists itself whenever discovery runs; with it off, nothing at all.
      const registered = w.now >= (opts.discoveryFromMs ?? 0) ? (opts.discovery ?? []) : [];
      const listed = opts.discovery === undefined ? [] : [SELF, ...registered].filter((a) => address === SELF && nodes.has(a));
      const affiliate = (a: string) => ({ id: `id-${a}`, yamlSpec: `nodeId: id-${a}\naddresses: [${a}]\nmachineType: ${nodes.get(a)!.machineType}\n` });
      return { kind: "listed", selfNodeId: `id-${SELF}`, affiliates: listed.map(affiliate) };
    },
    nodeId: (address, signal) => (enter(`nodeId ${address}`), readNodeId(open(address), { signal, timeoutMs: 1000 })),
    bootstrap: (address, signal, recover) =>
      (enter(`bootstrap ${address}`), callBootstrap(open(address), { signal, timeoutMs: 1000, ...(recover ? { recoverEtcd: true, recoverSkipHashCheck: recover.skipHashCheck } : {}) })),
    etcdRecover: (address, chunks, bytes, signal) => (enter(`etcdRecover ${address}`), uploadSnapshot(open(address), chunks, { signal, timeoutMs: 1000, maxBytes: bytes })),
    close: () => undefined,
  };

  const deps: RunDeps = {
    async loadCredentials(signal) {
      if (enter("loadCredentials") || signal.aborted) throw new DOMException("aborted", "AbortError");
      const machineType = opts.machineType ?? "controlplane";
      return { machineType, ca: machineType === "worker" ? null : opts.ca, source: "/system/state/config.yaml", sideroLink: false, cluster: CLUSTER_NAME };
    },
    async kernelCmdline() {
      enter("kernelCmdline");
      return opts.cmdline ?? "talos.platform=metal console=ttyS0";
    },
    async ballotMount() {
      enter("ballotMount");
      const mountinfo = [
        "22 1 0:21 / / ro,relatime - squashfs /dev/loop0 ro",
        `36 22 8:6 / /var rw,relatime shared:1 - ${opts.varFs ?? "xfs"} /dev/sda6 rw,inode64`,
      ].join("\n");
      return judgeBallotMount(mountinfo, BALLOT_DIR);
    },
    localNetwork: () => (w.now < (opts.addressFromMs ?? 0) ? { addresses: [], prefixes: [] } : { addresses: [SELF], prefixes: [parsePrefix(`${SELF}/32`)] }),
    talosPort: () => port,
    async loadBallot(local, settings) {
      enter("loadBallot"); // a local file read: not cut short by a signal
      const ballot: Ballot = { version: 2, id: "a".repeat(32), ...local, settings, promised: null, accepted: null, proposal: null, bootstrapped: false, peers: {} };
      return { kind: "created", ballot, replaced: "none", replacedId: null, finishedWrite: false };
    },
    async productUuid() {
      enter("productUuid");
      return null;
    },
    async saveBallot(ballot) {
      enter("saveBallot"); // atomic: finishes even when a signal comes
      w.saved.push(ballot);
    },
    async writeStatus(text) {
      enter("writeStatus"); // atomic, like the ballot: finishes even when a signal comes
      w.statuses.push(JSON.parse(text) as Record<string, unknown>);
    },
    snapshots: {
      async prepare(_r, signal) {
        enter("prepareSnapshot");
        w.snapshotCalls.push("prepare");
        const failure = opts.snapshot?.failures?.shift();
        if (failure !== undefined) throw failure;
        if (signal.aborted) throw new SnapshotError("download", "aborted");
        const bytes = opts.snapshot?.bytes ?? Buffer.alloc(0);
        return { path: "/var/lib/autobootstrap/recover-snapshot.part", bytes: bytes.length, sha256: "0".repeat(64), spooled: true };
      },
      async *read() {
        yield opts.snapshot?.bytes ?? Buffer.alloc(0);
      },
      async discard() {
        w.snapshotCalls.push("discard");
      },
      async clearSpool() {
        enter("clearSpool");
        w.snapshotCalls.push("clearSpool");
      },
    },
    async sleep(ms, signal) {
      if (enter(`sleep ${ms}`) || signal.aborted) return false;
      w.now += ms;
      return true;
    },
    now: () => w.now,
    random: () => 0.5,
  };
  return { world: w, deps, log, nodes };
}

/** messages: the log's stable messages, in order. */
export const messages = (lines: readonly LogLine[]): string[] => lines.map((l) => l.msg);
