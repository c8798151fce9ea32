// Shared parts of the agent scenarios (agents-*.spec.ts): the environment a
// user would set (short intervals only), node shorthands, running every agent
// to its end, and assertions that name the host that misbehaved.
import { existsSync, readFileSync } from "node:fs";
import { expect } from "vitest";
import { readWorld } from "../../hack/fake-apid/world.js";
import { logRecords, type LogRecord } from "../helpers/agent-log.js";
import { founderProblems, type NodeTruth } from "../helpers/founder.js";
import type { Exit } from "../helpers/process.js";
import { skipReason } from "../helpers/preflight.js";
import {
  AGENT_BUNDLE,
  startAgents,
  startFakeApids,
  waitForAgents,
  world,
  type NodeRun,
  type Scenario,
  type ScenarioNode,
} from "../helpers/scenario.js";

/** Why the agent scenarios cannot run here (for skipWith: one line per skipped test), or null. */
export function agentSkipReason(): string | null {
  const skip = skipReason(["netns", "firewall", "loop", "xfs", "luks", "sandbox", "node"]);
  return skip ?? (existsSync(AGENT_BUNDLE) ? null : `${AGENT_BUNDLE} missing (npm run build)`);
}

/** A scenario gets this long for every agent to exit; a hang fails with the logs. */
export const AGENT_DEADLINE_MS = 90_000;

/** Short intervals, so a scenario takes seconds; nothing else a user would not set. */
export const FAST_ENV: Readonly<Record<string, string>> = {
  LOG_LEVEL: "debug",
  TALOS_AUTO_BOOTSTRAP_SCAN_INTERVAL: "2s",
  TALOS_AUTO_BOOTSTRAP_CONSENT_INTERVAL: "200ms",
  TALOS_AUTO_BOOTSTRAP_PRE_BOOTSTRAP_DELAY: "500ms",
  // Up to 9 node processes share two cores: 1 s keeps a slow answer from passing for a dead address.
  TALOS_AUTO_BOOTSTRAP_SCAN_TIMEOUT: "1s",
  TALOS_AUTO_BOOTSTRAP_FOLLOWER_CHECK_INTERVAL: "500ms",
  TALOS_AUTO_BOOTSTRAP_MAX_BACKOFF: "2s",
};

/** FAST_ENV with QUORUM_NODES and CONTROL_PLANES, plus any extra variables. */
export function agentEnv(quorum: number, controlPlanes: number, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    ...FAST_ENV,
    TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: String(quorum),
    TALOS_AUTO_BOOTSTRAP_CONTROL_PLANES: String(controlPlanes),
    ...extra,
  };
}

/** Boot times an hour back, 10 s apart: bootAt(0) is the oldest. */
const T0 = BigInt(Math.floor(Date.now() / 1000) - 3600);
export const bootAt = (rank: number): bigint => T0 + BigInt(rank * 10);

export const cp = (name: string, bootRank: number, extra: Partial<ScenarioNode> = {}): ScenarioNode => ({
  name,
  machineType: "controlplane",
  talosVersion: "v1.12",
  bootTime: bootAt(bootRank),
  ...extra,
});

/** A worker runs the agent too (it must exit 0 at once). */
export const worker = (name: string, bootRank: number, extra: Partial<ScenarioNode> = {}): ScenarioNode => ({
  name,
  machineType: "worker",
  talosVersion: "v1.12",
  bootTime: bootAt(bootRank),
  agent: true,
  ...extra,
});

/** Fakes first (as apid is up before the extension starts), then every agent, then wait for all of them. */
export async function runToEnd(s: Scenario, env?: Readonly<Record<string, string>>): Promise<Record<string, Exit>> {
  await startFakeApids(s);
  await startAgents(s, env);
  return waitForAgents(s, AGENT_DEADLINE_MS);
}

export function records(n: NodeRun, msg: string): LogRecord[] {
  return logRecords(n.agentLog).filter((r) => r.msg === msg);
}

/** The scenario node holding this address, by name (for messages). */
export function nameOf(s: Scenario, address: string): string {
  return s.nodes.find((n) => n.host.addresses.some((a) => a.address === address))?.spec.name ?? `?${address}`;
}

/** Bootstrap calls every fake of this node answered, whatever the result. */
export function bootstrapCalls(n: NodeRun): number {
  return n.callLogs
    .flatMap((f) => (existsSync(f) ? readFileSync(f, "utf8").split("\n") : []))
    .filter((l) => l.includes('"kind":"call"') && l.includes('"/machine.MachineService/Bootstrap"')).length;
}

/** Calls (past the handshake) every fake of this node served, or only its fake number `fake`. */
export function servedCalls(n: NodeRun, fake?: number): number {
  return (fake === undefined ? n.callLogs : [n.callLogs[fake]!])
    .flatMap((f) => (existsSync(f) ? readFileSync(f, "utf8").split("\n") : []))
    .filter((l) => l.includes('"kind":"call"')).length;
}

/**
 * The nodes of one cluster: by default the scenario's own (its CA, the
 * default name), else the sibling cluster named `cluster` (same CA, another
 * name and endpoint; ScenarioNode.cluster).
 */
export function clusterNodes(s: Scenario, cluster?: string): NodeRun[] {
  return s.nodes.filter((n) => n.spec.ca === undefined && n.spec.cluster?.name === cluster);
}

/** The nodes a check of one cluster covers: its own, and (for the default one) those of other CAs, which must never bootstrap. */
function checkedNodes(s: Scenario, cluster?: string): NodeRun[] {
  return s.nodes.filter((n) => n.spec.cluster?.name === cluster);
}

/** The etcd world of one cluster (see clusterNodes). */
export function clusterWorld(s: Scenario, cluster?: string): ReturnType<typeof world> {
  const first = clusterNodes(s, cluster)[0];
  return cluster === undefined || first === undefined ? world(s) : readWorld(first.worldDir);
}

/**
 * expectBootstrappedOnceBy: the world holds exactly one etcd cluster, founded
 * by `name`; only `name`'s agent called Bootstrap (agent log and fakes' call logs).
 * Name a founder only where timing cannot change it: where the quorum is every
 * control plane that runs an agent, so a proposer has seen them all. Elsewhere
 * use expectOneClusterByBest. `cluster`: check that sibling cluster instead.
 */
export function expectBootstrappedOnceBy(s: Scenario, name: string, cluster?: string): void {
  expect(clusterWorld(s, cluster).clusters.map((a) => nameOf(s, a)), "etcd clusters, by the node that bootstrapped each").toEqual([name]);
  for (const n of checkedNodes(s, cluster)) {
    const executed = records(n, "bootstrap executing").length;
    if (n.spec.name === name) {
      expect(executed, `${n.spec.name}: "bootstrap executing" in its agent log`).toBeGreaterThan(0);
      expect(bootstrapCalls(n), `${n.spec.name}: Bootstrap calls on its apid`).toBeGreaterThan(0);
    } else {
      expect(executed, `${n.spec.name}: "bootstrap executing" in its agent log`).toBe(0);
      expect(bootstrapCalls(n), `${n.spec.name}: Bootstrap calls on its apid`).toBe(0);
    }
  }
}

/** What the test built, for founderProblems: boot times, addresses, roles, clusters, agent logs. */
function truth(s: Scenario, cluster?: string): NodeTruth[] {
  const ours = new Set(clusterNodes(s, cluster));
  return s.nodes.map((n) => ({
    name: n.spec.name,
    addresses: n.host.addresses.map((a) => a.address),
    bootTime: n.spec.bootTime ?? fail(`${n.spec.name}: give it a bootTime (cp(), worker()) to check the founder`),
    controlPlane: n.spec.machineType === "controlplane",
    ours: ours.has(n),
    records: logRecords(n.agentLog),
  }));
}

/**
 * expectOneClusterByBest states the property, not one lucky outcome: exactly
 * one etcd cluster; only its founder called Bootstrap; every agent that learned
 * a chosen nominee learned the founder; and whenever the founder proposed it
 * saw a quorum and no better candidate (it need not be the oldest of all: a
 * node whose ballot it had not read yet was no candidate). Returns the founder.
 * `cluster`: check that sibling cluster (same CA, another name) instead.
 */
export function expectOneClusterByBest(s: Scenario, cluster?: string): string {
  const clusters = clusterWorld(s, cluster).clusters.map((a) => nameOf(s, a));
  expect(clusters, `etcd clusters of ${cluster ?? "the cluster"}, by the node that bootstrapped each`).toHaveLength(1);
  const founder = clusters[0]!;
  expectBootstrappedOnceBy(s, founder, cluster);
  for (const n of checkedNodes(s, cluster)) {
    const chosen = records(n, "consent").flatMap((r) => ((r["chosen"] as { address?: string } | null) ?? null)?.address ?? []);
    for (const a of chosen) expect(nameOf(s, a), `${n.spec.name}: chosen nominee`).toBe(founder);
  }
  const quorum = Number(s.agentEnv["TALOS_AUTO_BOOTSTRAP_QUORUM_NODES"]);
  expect(founderProblems(truth(s, cluster), founder, quorum), `${founder}: the best candidate in view whenever it proposed`).toEqual([]);
  return founder;
}

function fail(message: string): never {
  throw new Error(message);
}

/** Every agent that ran exited 0. */
export function expectAllExitedZero(exits: Record<string, Exit>): void {
  expect(exits, "agent exits").toEqual(Object.fromEntries(Object.keys(exits).map((k) => [k, { code: 0, signal: null }])));
}

/** A worker's agent read its STATE, said it has nothing to do, and never looked at the network. */
export function expectWorkerIdle(n: NodeRun): void {
  expect(records(n, "not a control plane: nothing to bootstrap"), `${n.spec.name}: worker exit reason`).toHaveLength(1);
  const msgs = logRecords(n.agentLog).map((r) => r.msg);
  expect(msgs.filter((m) => m === "network" || m === "scan result" || m === "election"), `${n.spec.name}: network activity`).toEqual([]);
}

/** The "scan result" records of an agent (one per full scan). */
export function scanResults(n: NodeRun): Record<string, number>[] {
  return records(n, "scan result") as unknown as Record<string, number>[];
}

/** The candidate lists an agent logged ("election"), as node names. */
export function electionCandidates(s: Scenario, n: NodeRun): { names: string[]; ids: string[] }[] {
  return records(n, "election").map((r) => {
    const cands = (r["candidates"] ?? []) as { address: string; id: string }[];
    return { names: cands.map((c) => nameOf(s, c.address)), ids: cands.map((c) => c.id) };
  });
}

/** watchWorld polls the world during a run: the most etcd clusters ever seen at once, and every founder. */
export function watchWorld(s: Scenario, everyMs = 50): { stop(): { max: number; founders: string[] } } {
  let max = 0;
  const founders = new Set<string>();
  const look = () => {
    const clusters = world(s).clusters;
    max = Math.max(max, clusters.length);
    for (const c of clusters) founders.add(nameOf(s, c));
  };
  const timer = setInterval(look, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      look();
      return { max, founders: [...founders].sort() };
    },
  };
}
