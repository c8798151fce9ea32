// A simulated Talos cluster on loopback: one fake apid per node (127.0.N.x:50000,
// mutual TLS, RBAC, etcd shared through a world dir), each node with its own
// STATE partition (XFS on a loop device, config.yaml inside), and the REAL
// bundle `node dist/autobootstrap.js` per node, run with Talos's fixed paths
// in a private mount namespace (test/helpers/sandbox.ts). Needs root.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeNode, type FakeNode } from "../fake-apid/node.js";
import { makeClusterCa, type ClusterCa } from "../fake-apid/pki.js";
import { readWorld, recordCluster, recordMember, type World } from "../fake-apid/world.js";
import { spawnInSandbox, sandboxState, REPO_ROOT, type SandboxProcess } from "../../test/helpers/sandbox.js";
import { makeStateVolume, type StateVolume } from "../../test/helpers/state-image.js";
import { talosConfigYaml } from "../../test/helpers/talos-config.js";

export interface LocalNode {
  readonly name: string;
  /** Last octet of 127.0.<subnet>.<host>. */
  readonly host: number;
  readonly machineType: "controlplane" | "worker" | "init";
  readonly bootTime: bigint;
  /** A node of another cluster: its own CA; no agent runs on it. */
  readonly foreign?: boolean;
  /** config.yaml is not YAML: the agent must refuse it clearly. */
  readonly corruptConfig?: boolean;
  /** Run an agent on this node (default: true unless foreign). */
  readonly agent?: boolean;
  /** Start the agent this long after the others (a late joiner). */
  readonly agentDelayMs?: number;
  readonly talosVersion?: string;
  /** STATE as Talos ≥1.10 shows it (device) or ≤1.9 (mounted at /system/state). */
  readonly stateMode?: "device" | "mounted";
}

export interface LocalClusterOptions {
  /** Third octet of 127.0.<subnet>.0/28: separate suites use separate subnets. */
  readonly subnet: number;
  readonly nodes: readonly LocalNode[];
  /** TALOS_AUTO_BOOTSTRAP_* for every agent (NODE_ADDRESS and SCAN_CIDR are added). */
  readonly env: Readonly<Record<string, string>>;
  /** Pre-existing etcd (an already bootstrapped cluster) on this node. */
  readonly alreadyBootstrappedBy?: number;
  readonly keyType?: "ed25519" | "ecdsa" | "rsa";
  readonly argv?: readonly string[];
  /** Files put in every node's /var/lib/autobootstrap before its agent starts (a snapshot, a CA for NODE_EXTRA_CA_CERTS). */
  readonly varLibFiles?: Readonly<Record<string, string | Buffer>>;
}

export interface RunningNode {
  readonly spec: LocalNode;
  readonly address: string;
  readonly fake: FakeNode;
  agent: SandboxProcess | null;
  /** Resolves once the agent was started (late joiners start later). */
  started: Promise<void>;
  readonly agentLog: string;
}

export interface LocalCluster {
  readonly dir: string;
  /** The cluster's machine CA (to talk to the fake nodes as an admin would, with talosctl). */
  readonly ca: ClusterCa;
  readonly nodes: readonly RunningNode[];
  world(): World;
  /** Total Bootstrap calls that any fake node answered with OK. */
  bootstrapsOk(): number;
  /** Waits for every agent to exit; exit codes by node name (null: killed at the deadline). */
  waitForAgents(deadlineMs: number): Promise<Record<string, number | null>>;
  teardown(): Promise<void>;
}

export async function startLocalCluster(o: LocalClusterOptions): Promise<LocalCluster> {
  const dir = mkdtempSync(join(tmpdir(), "abt-cluster-"));
  const worldDir = join(dir, "world");
  mkdirSync(worldDir);
  const stop = new AbortController();
  const volumes: StateVolume[] = [];
  const nodes: RunningNode[] = [];
  const timers: NodeJS.Timeout[] = [];
  let ca: ClusterCa | null = null;
  const teardown = async () => {
    for (const t of timers) clearTimeout(t);
    await Promise.all(nodes.map((n) => n.agent?.stop()));
    stop.abort();
    await Promise.all(nodes.map((n) => n.fake.stop().catch(() => undefined)));
    for (const v of volumes) await v.teardown();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const keyType = o.keyType ?? "ed25519";
    ca = await makeClusterCa(keyType);
    const foreignCa = await makeClusterCa(keyType);
    const address = (host: number) => `127.0.${o.subnet}.${host}`;
    if (o.alreadyBootstrappedBy !== undefined) {
      const by = address(o.alreadyBootstrappedBy);
      recordCluster(worldDir, by, { at: new Date().toISOString(), caller: "operator" });
      recordMember(worldDir, by, by);
    }
    for (const spec of o.nodes) {
      const nodeDir = join(dir, spec.name);
      const filesRoot = join(nodeDir, "root");
      const varLib = join(filesRoot, "var/lib/autobootstrap");
      mkdirSync(varLib, { recursive: true });
      for (const [name, content] of Object.entries(o.varLibFiles ?? {})) writeFileSync(join(varLib, name), content);
      const mine: ClusterCa = spec.foreign === true ? foreignCa : ca;
      const fake = await startFakeNode(
        {
          address: address(spec.host),
          ca: { certPem: mine.certPem, keyPem: mine.keyPem },
          machineType: spec.machineType,
          bootTime: spec.bootTime,
          talosVersion: spec.talosVersion ?? "v1.12",
          filesRoot,
          worldDir: spec.foreign === true ? join(dir, "foreign-world") : worldDir,
          logFile: join(nodeDir, "apid-calls.jsonl"),
        },
        { signal: stop.signal },
      );
      nodes.push({ spec, address: address(spec.host), fake, agent: null, started: Promise.resolve(), agentLog: join(nodeDir, "agent.log") });
      if (spec.foreign === true || spec.agent === false) continue;
      const yaml = spec.corruptConfig === true
        ? "version: v1alpha1\nmachine: [this is: not: a config\n"
        : talosConfigYaml({ machineType: spec.machineType, caCertPem: mine.certPem, caKeyPem: spec.machineType === "worker" ? null : mine.keyPem });
      const volume = await makeStateVolume({ configYaml: yaml });
      volumes.push(volume);
    }
    let v = 0;
    for (const n of nodes) {
      if (n.spec.foreign === true || n.spec.agent === false) continue;
      const volume = volumes[v++] as StateVolume;
      const start = async () => {
        n.agent = await spawnInSandbox({
          state: sandboxState(volume, n.spec.stateMode ?? "device"),
          varLibDir: join(dir, n.spec.name, "root/var/lib/autobootstrap"),
          env: {
            TALOS_AUTO_BOOTSTRAP_NODE_ADDRESS: n.address,
            TALOS_AUTO_BOOTSTRAP_SCAN_CIDR: `127.0.${o.subnet}.0/28`,
            ...o.env,
          },
          argv: [process.execPath, join(REPO_ROOT, "dist/autobootstrap.js"), ...(o.argv ?? [])],
          logFile: n.agentLog,
        });
      };
      const delay = n.spec.agentDelayMs ?? 0;
      n.started = delay > 0 ? new Promise<void>((resolve) => timers.push(setTimeout(() => resolve(start()), delay))) : start();
      await (delay > 0 ? undefined : n.started);
    }
  } catch (err) {
    await teardown();
    throw err;
  }

  return {
    dir,
    ca: ca as ClusterCa,
    nodes,
    world: () => readWorld(worldDir),
    bootstrapsOk: () => nodes.reduce((sum, n) => sum + n.fake.state.bootstrapCalls().filter((c) => c.kind === "call" && c.code === 0).length, 0),
    async waitForAgents(deadlineMs) {
      const codes: Record<string, number | null> = {};
      const deadline = Date.now() + deadlineMs;
      for (const n of nodes) {
        await n.started;
        if (n.agent === null) continue;
        const left = Math.max(0, deadline - Date.now());
        const exit = await Promise.race([n.agent.exited, new Promise<null>((r) => timers.push(setTimeout(() => r(null), left)))]);
        codes[n.spec.name] = exit === null ? null : exit.code;
      }
      return codes;
    },
    teardown,
  };
}
