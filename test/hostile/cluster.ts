// The real agent bundle among hostile peers on loopback: its own node is a
// fake apid (hack/fake-apid) at 127.0.<subnet>.2, the peers are whatever a
// case starts (peers.ts), and the agent runs with Talos's fixed paths in a
// sandbox (STATE on a loop device). Needs root, like test/integration/.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startFakeNode, type FakeNode } from "../../hack/fake-apid/node.js";
import { makeClusterCa, type ClusterCa } from "../../hack/fake-apid/pki.js";
import { REPO_ROOT, sandboxState, spawnInSandbox, type SandboxProcess } from "../helpers/sandbox.js";
import { makeStateVolume, type StateVolume } from "../helpers/state-image.js";
import { talosConfigYaml } from "../helpers/talos-config.js";
import type { Peer } from "./peers.js";

/** The agent's own host number in 127.0.<subnet>.0/28. */
export const SELF_HOST = 2;

/**
 * The bundle the agent runs, relative to the checkout (the sandbox sees only
 * the checkout): HOSTILE_AGENT_BUNDLE lets a measurement run an older build.
 */
export const BUNDLE = process.env["HOSTILE_AGENT_BUNDLE"] ?? "dist/autobootstrap.js";

export interface HostileClusterOptions {
  /** Third octet: hostile suites use 240–249. */
  readonly subnet: number;
  /** Starts the peers once the CA exists; `address(n)` is 127.0.<subnet>.n. */
  readonly peers?: (ctx: { readonly ca: ClusterCa; address(host: number): string }) => Promise<readonly Peer[]>;
  readonly selfBootTime?: bigint;
  /** config.yaml on the agent's STATE; default a control plane of the cluster. */
  readonly configYaml?: (ca: ClusterCa) => string;
  /** The cluster's CA; default a fresh Ed25519 CA valid for ten years. */
  readonly ca?: () => Promise<ClusterCa>;
}

export interface HostileCluster {
  /** Temp dir holding the agents' logs and the ballot directory (var-lib/). */
  readonly dir: string;
  readonly ca: ClusterCa;
  readonly self: FakeNode;
  readonly peers: readonly Peer[];
  readonly address: (host: number) => string;
  /**
   * Starts one agent (real bundle) with NODE_ADDRESS and SCAN_CIDR set and
   * `env` on top; with `bare`, with `env` alone (a node with no variables).
   */
  spawnAgent(env: Readonly<Record<string, string>>, logName: string, opts?: { readonly bare?: boolean }): Promise<SandboxProcess>;
  teardown(): Promise<void>;
}

export async function startHostileCluster(o: HostileClusterOptions): Promise<HostileCluster> {
  const dir = mkdtempSync(join(tmpdir(), "abt-hostile-"));
  const stop = new AbortController();
  const agents: SandboxProcess[] = [];
  let peers: readonly Peer[] = [];
  let volume: StateVolume | null = null;
  let self: FakeNode | null = null;
  const teardown = async (): Promise<void> => {
    await Promise.all(agents.map((a) => a.stop()));
    stop.abort();
    await Promise.all([self?.stop(), ...peers.map((p) => p.close())].map((p) => p?.catch(() => undefined)));
    await volume?.teardown();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const address = (host: number): string => `127.0.${o.subnet}.${host}`;
    const ca = await (o.ca ?? (() => makeClusterCa("ed25519")))();
    const worldDir = join(dir, "world");
    const varLib = join(dir, "var-lib");
    mkdirSync(worldDir);
    mkdirSync(varLib);
    self = await startFakeNode(
      { address: address(SELF_HOST), ca, machineType: "controlplane", bootTime: o.selfBootTime ?? 1_000n, talosVersion: "v1.12", worldDir },
      { signal: stop.signal },
    );
    peers = (await o.peers?.({ ca, address })) ?? [];
    const yaml = o.configYaml?.(ca) ?? talosConfigYaml({ machineType: "controlplane", caCertPem: ca.certPem, caKeyPem: ca.keyPem });
    volume = await makeStateVolume({ configYaml: yaml });
    const state = sandboxState(volume, "device");
    const ready = { dir, ca, self, peers, address };
    return {
      ...ready,
      async spawnAgent(env, logName, opts = {}) {
        const defaults = { TALOS_AUTO_BOOTSTRAP_NODE_ADDRESS: address(SELF_HOST), TALOS_AUTO_BOOTSTRAP_SCAN_CIDR: `127.0.${o.subnet}.0/28` };
        const agent = await spawnInSandbox({
          state,
          varLibDir: varLib,
          env: opts.bare === true ? env : { ...defaults, ...env },
          argv: [process.execPath, resolve(REPO_ROOT, BUNDLE)],
          logFile: join(dir, `${logName}.log`),
        });
        agents.push(agent);
        return agent;
      },
      teardown,
    };
  } catch (err) {
    await teardown();
    throw err;
  }
}

/** VmHWM (peak resident set) of a live process in KiB; null once it is gone. */
export function peakRssKiB(pid: number): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m === null ? null : Number(m[1]);
  } catch {
    return null;
  }
}

/**
 * Whether the agent's signal handlers are installed: src/stop.ts names the
 * process "autobootstrap" right after installing them (Node catches SIGTERM
 * from its own start, so SigCgt in /proc/<pid>/status cannot tell).
 */
export function handlersInstalled(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "autobootstrap";
  } catch {
    return false;
  }
}

export interface AgentRun {
  /** null when it had to be killed. */
  readonly code: number | null;
  readonly log: string;
  /** Highest VmHWM seen while it ran, KiB (0 if it exited before the first sample). */
  readonly peakRssKiB: number;
  /** Whether it was still running when `forMs` ran out. */
  readonly aliveAtEnd: boolean;
}

/**
 * runAgent starts an agent in `cluster` and lets it run until it exits or
 * `forMs` passes, then stops it with SIGTERM; it samples the agent's peak
 * resident set meanwhile. The usual way for a case to meet the real agent.
 */
export async function runAgent(cluster: HostileCluster, env: Readonly<Record<string, string>>, forMs: number, logName = "agent"): Promise<AgentRun> {
  const agent = await cluster.spawnAgent(env, logName);
  let peak = 0;
  const deadline = Date.now() + forMs;
  while (Date.now() < deadline && agent.exitStatus() === null) {
    peak = Math.max(peak, peakRssKiB(agent.pid) ?? 0);
    await sleep(100);
  }
  peak = Math.max(peak, peakRssKiB(agent.pid) ?? 0);
  const aliveAtEnd = agent.exitStatus() === null;
  const exit = await agent.stop();
  return { code: exit.code, log: agent.log(), peakRssKiB: peak, aliveAtEnd };
}
