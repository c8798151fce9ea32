// `--dry-run` of the agent as shipped (node + bundle from the image, in a
// chroot) against a cluster on loopback. Two halves, so a different
// simulated cluster can be plugged in: dryRunInImage needs only a
// DryRunCluster; startLoopbackCluster makes one from fake apids (hack/fake-apid).
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeNode, type FakeNode } from "../../hack/fake-apid/node.js";
import { makeClusterCa } from "../../hack/fake-apid/pki.js";
import type { CmdResult } from "../helpers/cmd.js";
import { talosConfigYaml } from "../helpers/talos-config.js";
import { runService, type ServiceSpec } from "./run-in-root.js";

const DRY_RUN_DEADLINE_MS = 60_000;
// An unusual /24 of 127/8: no other suite listens there, and it never leaves lo.
const NET = "127.201.0";

export interface DryRunCluster {
  /** Stands for /system: its state/ (Talos ≤ 1.9 keeps STATE mounted there) holds a control plane's config.yaml. */
  readonly systemDir: string;
  /** Stands for /var/lib/autobootstrap. */
  readonly ballotDir: string;
  /** The ExtensionServiceConfig environment; must confine scanning to loopback (SCAN_CIDR, PEERS). */
  readonly env: Readonly<Record<string, string>>;
  /** The address --dry-run should nominate. */
  readonly expectedLeader: string;
}

export interface Nomination {
  readonly leader?: string;
  readonly quorumSeen?: boolean;
}

/** dryRunInImage runs the service with --dry-run and returns its "would nominate" log record, if any. */
export async function dryRunInImage(
  spec: ServiceSpec,
  root: string,
  cluster: DryRunCluster,
): Promise<{ result: CmdResult; nomination: Nomination | null }> {
  const result = await runService(spec, {
    root,
    extraArgs: ["--dry-run"],
    env: cluster.env,
    sources: { "/system": cluster.systemDir, "/var/lib/autobootstrap": cluster.ballotDir },
    timeoutMs: DRY_RUN_DEADLINE_MS,
  });
  const records = result.stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { msg?: string } & Nomination);
  return { result, nomination: records.find((r) => r.msg?.startsWith("dry run")) ?? null };
}

/** startLoopbackCluster: `size` fake control planes (Talos 1.9) on 127.201.0.1…; the first booted first. */
export async function startLoopbackCluster(size: number): Promise<{ cluster: DryRunCluster; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "image-dry-run-"));
  const stop = new AbortController();
  const nodes: FakeNode[] = [];
  const stopAll = async () => {
    stop.abort();
    await Promise.all(nodes.map((n) => n.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const ca = await makeClusterCa("ed25519");
    const [systemDir, ballotDir, worldDir] = ["system", "ballots", "world"].map((d) => join(dir, d)) as [string, string, string];
    const stateDir = join(systemDir, "state");
    for (const d of [stateDir, ballotDir, worldDir]) await mkdir(d, { recursive: true });
    await writeFile(join(stateDir, "config.yaml"), talosConfigYaml({ machineType: "controlplane", caCertPem: ca.certPem, caKeyPem: ca.keyPem }), {
      mode: 0o600,
    });
    const bootTime = BigInt(Math.floor(Date.now() / 1000) - 600);
    const addresses = Array.from({ length: size }, (_, i) => `${NET}.${i + 1}`);
    for (const [i, address] of addresses.entries()) {
      nodes.push(
        await startFakeNode(
          { address, ca: { certPem: ca.certPem, keyPem: ca.keyPem }, machineType: "controlplane", bootTime: bootTime + BigInt(i * 10), talosVersion: "v1.9", worldDir },
          { signal: stop.signal },
        ),
      );
    }
    const quorum = Math.floor(size / 2) + 1;
    const env = {
      LOG_LEVEL: "info",
      TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: String(quorum),
      TALOS_AUTO_BOOTSTRAP_CONTROL_PLANES: String(size),
      TALOS_AUTO_BOOTSTRAP_NODE_ADDRESS: addresses[0] as string,
      TALOS_AUTO_BOOTSTRAP_PEERS: addresses.slice(1).join(","),
      TALOS_AUTO_BOOTSTRAP_SCAN_CIDR: `${NET}.0/29`,
    };
    return { cluster: { systemDir, ballotDir, env, expectedLeader: addresses[0] as string }, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
