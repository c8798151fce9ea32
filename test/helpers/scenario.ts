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
  readonly agentLog: string;
  readonly fakeLog: string;
  readonly callLog: string;
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
  const net = await createNetwork({ ...netSpec, hosts: [...spec.nodes.map((n) => ({ name: n.name })), ...extraHosts] });
  const nodes: NodeRun[] = [];
  try {
    for (const n of spec.nodes) {
      const configYaml = talosConfigYaml({
        machineType: n.machineType,
        caCertPem: ca.certPem,
        caKeyPem: n.machineType === "worker" ? null : ca.keyPem,
      });
      const state = await makeStateVolume({ configYaml, encrypted: n.encrypted === true });
      const filesRoot = work.sub(`${n.name}/files`);
      nodes.push({
        spec: n,
        host: net.host(n.name),
        state,
        filesRoot,
        varLibDir: work.sub(`${n.name}/files/var/lib/autobootstrap`),
        agentLog: join(work.path, n.name, "agent.log"),
        fakeLog: join(work.path, n.name, "fake-apid.log"),
        callLog: join(work.path, n.name, "calls.jsonl"),
        fake: null,
        agent: null,
      });
    }
  } catch (err) {
    await teardownScenario({ net, work, ca, worldDir: "", nodes, agentEnv: {}, node: () => nodes[0]! }, { failed: true });
    throw err;
  }
  const worldDir = work.sub("world");
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

/** withScenario runs body and always tears down; a throw prints and keeps the logs. */
export async function withScenario<T>(spec: ScenarioSpec, body: (s: Scenario) => Promise<T>): Promise<T> {
  const s = await createScenario(spec);
  let failed = true;
  try {
    const out = await body(s);
    failed = false;
    return out;
  } finally {
    await teardownScenario(s, { failed });
  }
}

export { report, teardownScenario };
export { AGENT_BUNDLE, FAKE_APID_CLI, startAgent, startAgents, startFakeApid, startFakeApids, waitForAgents } from "./scenario-run.js";
