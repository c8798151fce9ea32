// Starting a scenario's processes: a fake apid per Talos host (in its
// namespace, bound to its address:50000) and the agent per control plane (in
// its sandbox, with the fixed paths of its Talos version), then waiting for
// the agents to finish.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeServerCert } from "../../hack/fake-apid/pki.js";
import { derivedNodeId } from "../../hack/fake-apid/spec.js";
import { within, waitFor } from "./deadline.js";
import type { Exit, ManagedProcess } from "./process.js";
import { legacyMapperName, REPO_ROOT, sandboxState, spawnInSandbox, type SandboxProcess } from "./sandbox.js";
import type { NodeRun, Scenario, ScenarioNode } from "./scenario.js";

export const AGENT_BUNDLE = join(REPO_ROOT, "dist/autobootstrap.js");
export const FAKE_APID_CLI = join(REPO_ROOT, "hack/fake-apid/cli.ts");
const FAKE_LISTEN_DEADLINE_MS = 30_000;

const minorOf = (v: string) => Number(/^v1\.(\d+)/.exec(v)?.[1] ?? NaN);
const runsAgent = (n: ScenarioNode) => n.agent ?? n.machineType !== "worker";

/**
 * startFakeApid runs hack/fake-apid/cli.ts in the node's namespace, bound to
 * its address:50000 (one process per address when the node answers on all of
 * them: same CA, boot time, node id, files and world, and, as apid, one
 * certificate naming every address: one host, one key).
 */
export async function startFakeApid(s: Scenario, n: NodeRun, index: number): Promise<ManagedProcess> {
  const bootTime = n.spec.bootTime ?? BigInt(Math.floor(Date.now() / 1000) - 3600 + index * 10);
  const shared =
    n.fakeAddresses.length > 1
      ? {
          serverCert: await makeServerCert(n.ca, { ips: n.fakeAddresses, dnsNames: [`talos-${n.spec.name}`], commonName: `talos-${n.spec.name}` }),
          nodeId: derivedNodeId(n.worldDir, n.fakeAddresses[0]!),
        }
      : {};
  const started = await Promise.all(n.fakeAddresses.map((address, i) => startOneFake(s, n, address, i, bootTime, shared)));
  n.fake = started[0]!;
  return n.fake;
}

async function startOneFake(s: Scenario, n: NodeRun, address: string, i: number, bootTime: bigint, shared: object): Promise<ManagedProcess> {
  const specFile = join(s.work.path, n.spec.name, i === 0 ? "fake-apid.json" : `fake-apid-${i}.json`);
  const fakeSpec = {
    address,
    ca: { certPem: n.ca.certPem, keyPem: n.ca.keyPem },
    machineType: n.spec.machineType,
    bootTime: bootTime.toString(),
    talosVersion: n.spec.talosVersion,
    worldDir: n.worldDir,
    filesRoot: n.filesRoot,
    logFile: n.callLogs[i]!,
    ...shared,
    ...n.spec.fake,
  };
  writeFileSync(specFile, JSON.stringify(fakeSpec, null, 2));
  const p = await s.net.spawn(n.host, [process.execPath, "--import", "tsx", FAKE_APID_CLI, "--spec", specFile], {
    logFile: n.fakeLogs[i]!,
    cwd: REPO_ROOT,
  });
  await waitFor(`fake apid on ${n.spec.name} ${address} to listen`, () => {
    if (p.exitStatus() !== null) throw new Error(`fake apid on ${n.spec.name} ${address} exited:\n${p.log()}`);
    return p.log().includes('"event":"listening"') ? true : undefined;
  }, { timeoutMs: FAKE_LISTEN_DEADLINE_MS });
  return p;
}

export async function startFakeApids(s: Scenario): Promise<void> {
  await Promise.all(s.nodes.map((n, i) => startFakeApid(s, n, i)));
}

/**
 * startAgent runs the bundle in the node's sandbox, with Talos's fixed paths
 * for its version. An encrypted STATE with mapperOpen false shows only the
 * LUKS partition, as on a node whose mapper is not open.
 */
export async function startAgent(s: Scenario, n: NodeRun, env: Readonly<Record<string, string>>): Promise<SandboxProcess> {
  if (!existsSync(AGENT_BUNDLE)) throw new Error(`${AGENT_BUNDLE} missing: run npm run build first`);
  const minor = minorOf(n.spec.talosVersion);
  const mode = minor <= 9 ? "mounted" : "device";
  const mapperNames = minor >= 12 ? ["luks2-STATE"] : [legacyMapperName(n.state.partition)];
  const state = n.spec.mapperOpen === false ? { kind: "device" as const, loop: n.state.partition } : sandboxState(n.state, mode, mapperNames);
  const p = await spawnInSandbox({
    netns: n.host.ns,
    state,
    varLibDir: n.varLibDir,
    varLibTmpfs: n.spec.varLibTmpfs === true,
    env,
    argv: [process.execPath, AGENT_BUNDLE],
    logFile: n.agentLog,
  });
  n.agent = p;
  return p;
}

export async function startAgents(s: Scenario, env: Readonly<Record<string, string>> = s.agentEnv): Promise<void> {
  await Promise.all(s.nodes.filter((n) => runsAgent(n.spec)).map((n) => startAgent(s, n, env)));
}

/** waitForAgents resolves with every agent's exit, or throws naming those still running at the deadline. */
export async function waitForAgents(s: Scenario, timeoutMs: number): Promise<Record<string, Exit>> {
  const running = s.nodes.filter((n) => n.agent !== null);
  const exits = await Promise.all(running.map((n) => within(n.agent!.exited, timeoutMs)));
  const late = running.filter((_, i) => exits[i] === null).map((n) => n.spec.name);
  if (late.length > 0) throw new Error(`agents still running after ${timeoutMs} ms: ${late.join(", ")}`);
  return Object.fromEntries(running.map((n, i) => [n.spec.name, exits[i]!]));
}
