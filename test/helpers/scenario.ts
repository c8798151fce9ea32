// One network-namespace scenario, in the order a test reads it:
//   make network → make STATE per host → start a fake apid per Talos host (in
//   its namespace, on its address) → start the agent per control plane in its
//   sandbox → wait for the agents to exit → assert on the fakes' world →
//   teardown. On failure each host's agent log and fake-apid call log are
//   printed, and the work dir is kept.
import { join } from "node:path";
import type { FakeMachineType } from "../../hack/fake-apid/spec.js";
import { makeClusterCa, type ClusterCa, type KeyType } from "../../hack/fake-apid/pki.js";
import { readWorld, type World } from "../../hack/fake-apid/world.js";
import type { HostSpec, NetworkSpec } from "./address-plan.js";
import { createNetwork, type TestHost, type TestNetwork } from "./netns.js";
import type { ManagedProcess } from "./process.js";
import type { SandboxProcess } from "./sandbox.js";
import { makeStateVolume, type StateVolume } from "./state-image.js";
import { talosConfigYaml } from "./talos-config.js";
import { report, teardownScenario } from "./scenario-teardown.js";
import { makeWorkDir, type WorkDir } from "./workdir.js";


export interface ScenarioNode {
  /** Host name in the network (and in logs). */
  readonly name: string;
  readonly machineType: FakeMachineType;
  /** "v1.8" … "v1.14": shapes STATE (mounted ≤ 1.9, LUKS mapper name) and the fake. */
  readonly talosVersion: string;
  readonly encrypted?: boolean;
  /** SystemStat.boot_time; default staggered by position. */
  readonly bootTime?: bigint;
  /** Run the agent here; default: control planes (and init) only. */
  readonly agent?: boolean;
  /** More fields for the fake's spec JSON (hang, bootstrapAvailableAfterMs…). */
  readonly fake?: Readonly<Record<string, unknown>>;
  /** A node of ANOTHER cluster: its own machine CA (config and apid cert) and its own etcd world. */
  readonly ca?: ClusterCa;
  /**
   * A node of another cluster made from the SAME secrets bundle: the
   * scenario's CA, but this cluster name and control-plane endpoint in its
   * config, and one etcd world shared by every node naming this cluster.
   */
  readonly cluster?: { readonly name: string; readonly endpoint: string };
  /** "all": a fake apid on every address of the host (one process each, same files), as a dual-stack node answers on both. */
  readonly fakeAddresses?: "first" | "all";
  /** Encrypted STATE only; false: the LUKS partition is there but no mapper is open. Default true. */
  readonly mapperOpen?: boolean;
  /** The agent's /var/lib/autobootstrap is a tmpfs (it must refuse to vote) instead of a disk directory. */
  readonly varLibTmpfs?: boolean;
  /** Omni manages this node: its config holds a SideroLinkConfig document. */
  readonly omni?: boolean;
  /** network.topology "routed": the segment its host is on (default 0). */
  readonly segment?: 0 | 1;
}

export interface ScenarioSpec {
  /** Family, topology, spares; the hosts are the nodes plus extraHosts. */
  readonly network?: Omit<NetworkSpec, "hosts"> & { readonly extraHosts?: readonly HostSpec[] };
  readonly nodes: readonly ScenarioNode[];
  /** The agent's whole environment (TALOS_AUTO_BOOTSTRAP_*; PATH is added). */
  readonly agentEnv: Readonly<Record<string, string>>;
  readonly keyType?: KeyType;
}

export interface NodeRun {
  readonly spec: ScenarioNode;
  readonly host: TestHost;
  readonly state: StateVolume;
  /** What the fake serves MachineService/Read from; the agent's /var/lib/autobootstrap lives inside. */
  readonly filesRoot: string;
  readonly varLibDir: string;
  /** The node's machine CA: the scenario's, or its own for a node of another cluster. */
  readonly ca: ClusterCa;
  /** Where its fake apids find the etcd world: the scenario's, or its own for a node of another cluster. */
  readonly worldDir: string;
  /** Where its fake apids listen (host.address, or every address); callLogs and fakeLogs follow this order. */
  readonly fakeAddresses: readonly string[];
  readonly agentLog: string;
  /** The first fake's logs (fakeLogs[0], callLogs[0]). */
  readonly fakeLog: string;
  readonly callLog: string;
  readonly fakeLogs: readonly string[];
  readonly callLogs: readonly string[];
  /** The first fake apid (every one is stopped with the network). */
  fake: ManagedProcess | null;
  agent: SandboxProcess | null;
}

export interface Scenario {
  readonly net: TestNetwork;
  readonly work: WorkDir;
  readonly ca: ClusterCa;
  readonly worldDir: string;
  readonly nodes: readonly NodeRun[];
  /** ScenarioSpec.agentEnv: what startAgents gives each agent. */
  readonly agentEnv: Readonly<Record<string, string>>;
  node(name: string): NodeRun;
}


/** createScenario: network, CA, and one STATE volume per node (config.yaml as Talos writes it). */
export async function createScenario(spec: ScenarioSpec): Promise<Scenario> {
  const work = makeWorkDir("scn");
  const ca = await makeClusterCa(spec.keyType ?? "ed25519");
  const { extraHosts = [], ...netSpec } = spec.network ?? {};
  const hostOf = (n: ScenarioNode): HostSpec => (n.segment === undefined ? { name: n.name } : { name: n.name, segment: n.segment });
  const net = await createNetwork({ ...netSpec, hosts: [...spec.nodes.map(hostOf), ...extraHosts] });
  const nodes: NodeRun[] = [];
  const worldDir = work.sub("world");
  try {
    for (const n of spec.nodes) {
      const nodeCa = n.ca ?? ca;
      const configYaml = talosConfigYaml({
        machineType: n.machineType,
        caCertPem: nodeCa.certPem,
        caKeyPem: n.machineType === "worker" ? null : nodeCa.keyPem,
        ...(n.cluster === undefined ? {} : { cluster: n.cluster }),
        ...(n.omni === true ? { sideroLinkApiUrl: "https://omni.invalid:8090/?jointoken=test-join-token" } : {}),
      });
      const state = await makeStateVolume({ configYaml, encrypted: n.encrypted === true });
      const filesRoot = work.sub(`${n.name}/files`);
      const host = net.host(n.name);
      const fakeAddresses = n.fakeAddresses === "all" ? host.addresses.map((a) => a.address) : [host.address];
      // The first fake keeps the plain names; more fakes (more addresses) are numbered.
      const logName = (base: string, ext: string, i: number) => join(work.path, n.name, i === 0 ? `${base}.${ext}` : `${base}-${i}.${ext}`);
      const fakeLogs = fakeAddresses.map((_, i) => logName("fake-apid", "log", i));
      const callLogs = fakeAddresses.map((_, i) => logName("calls", "jsonl", i));
      nodes.push({
        spec: n,
        host,
        state,
        filesRoot,
        varLibDir: work.sub(`${n.name}/files/var/lib/autobootstrap`),
        ca: nodeCa,
        worldDir: n.ca !== undefined ? work.sub(`${n.name}/world`) : n.cluster !== undefined ? work.sub(`cluster-${n.cluster.name}/world`) : worldDir,
        fakeAddresses,
        agentLog: join(work.path, n.name, "agent.log"),
        fakeLog: fakeLogs[0]!,
        callLog: callLogs[0]!,
        fakeLogs,
        callLogs,
        fake: null,
        agent: null,
      });
    }
  } catch (err) {
    await teardownScenario({ net, work, ca, worldDir, nodes, agentEnv: {}, node: () => nodes[0]! }, { failed: true });
    throw err;
  }
  const node = (name: string) => {
    const found = nodes.find((x) => x.spec.name === name);
    if (found === undefined) throw new Error(`no scenario node "${name}"`);
    return found;
  };
  return { net, work, ca, worldDir, nodes, agentEnv: spec.agentEnv, node };
}

/** world: the etcd clusters the fakes saw bootstrapped (exactly one is the goal). */
export function world(s: Scenario): World {
  return readWorld(s.worldDir);
}

/**
 * withScenario runs body and always tears down. A throw keeps the logs and
 * carries report(s) in its message, so the failure itself says which host did what.
 */
export async function withScenario<T>(spec: ScenarioSpec, body: (s: Scenario) => Promise<T>): Promise<T> {
  const s = await createScenario(spec);
  let failed = true;
  let reported = false;
  try {
    const out = await body(s);
    failed = false;
    return out;
  } catch (err) {
    if (err instanceof Error) {
      err.message = `${err.message}\n${report(s)}`;
      reported = true;
    }
    throw err;
  } finally {
    await teardownScenario(s, { failed, print: !reported });
  }
}

export { report, teardownScenario };
export { AGENT_BUNDLE, FAKE_APID_CLI, startAgent, startAgents, startFakeApid, startFakeApids, waitForAgents } from "./scenario-run.js";
