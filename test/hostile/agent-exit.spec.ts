// Exit codes of the real bundle on a node (Talos's paths, STATE on a loop
// device): 143 whenever SIGTERM or SIGINT comes, 0 for a worker with no
// variables at all and no network activity, 2 for a control plane without
// its quorum, 1 with a clear kind for a config too large or deep to parse
// and for an expired machine CA. Needs root, like test/integration/.
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { skipReason } from "../helpers/preflight.js";
import { skipWith } from "../helpers/skips.js";
import { makeClusterCa } from "../../hack/fake-apid/pki.js";
import { waitFor } from "../helpers/deadline.js";
import { mulberry32 } from "../helpers/prng.js";
import { talosConfigYaml } from "../helpers/talos-config.js";
import { handlersInstalled, runAgent, startHostileCluster, type HostileCluster, type HostileClusterOptions } from "./cluster.js";
import { honestBallot, reads, startPeer, startSilentTls } from "./peers.js";

const skip = skipReason(["loop", "xfs", "sandbox", "node"]);

const MOMENTS = 20;
/** Signals land up to this long after the handlers exist: start, credentials, scans, consent. */
const SPAN_MS = 3_000;

let cluster: HostileCluster | null = null;
afterEach(async () => {
  await cluster?.teardown();
  cluster = null;
});

async function start(o: Omit<HostileClusterOptions, "subnet">, subnet: number): Promise<HostileCluster> {
  cluster = await startHostileCluster({ subnet, ...o });
  return cluster;
}


const lines = (log: string): { msg?: string; level?: string; kind?: string; err?: string }[] =>
  log.split("\n").flatMap((l) => {
    try {
      return [JSON.parse(l) as { msg?: string }];
    } catch {
      return [];
    }
  });

describe("the agent's exit codes on a node", skipWith(skip), () => {
  it(`exits 143 on SIGTERM or SIGINT at ${MOMENTS} seeded random moments of a live run`, { timeout: 300_000 }, async () => {
    // A run that never ends by itself: an honest peer that never answers a
    // proposal (consent rounds), a silent port (scans last SCAN_TIMEOUT) and
    // a peer flooding Read (reads refused).
    const c = await start(
      {
        peers: async ({ ca, address }) => [
          await startPeer({ host: address(3), port: 50000, ca, read: reads.serveBallot(honestBallot(ca.certPem)) }),
          await startSilentTls(address(4), 50000),
          await startPeer({ host: address(5), port: 50000, ca, read: reads.emptyChunks() }),
        ],
      },
      241,
    );
    const env = {
      TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "2",
      TALOS_AUTO_BOOTSTRAP_SCAN_INTERVAL: "1s",
      TALOS_AUTO_BOOTSTRAP_SCAN_TIMEOUT: "500ms",
      TALOS_AUTO_BOOTSTRAP_CONSENT_INTERVAL: "200ms",
      TALOS_AUTO_BOOTSTRAP_PRE_BOOTSTRAP_DELAY: "300ms",
    };
    const seed = 12;
    const random = mulberry32(seed);
    const stages: string[] = [];
    for (let i = 0; i < MOMENTS; i++) {
      const delayMs = Math.floor(random() * SPAN_MS);
      const signal: NodeJS.Signals = i % 5 === 4 ? "SIGINT" : "SIGTERM";
      const agent = await c.spawnAgent(env, `moment-${i}`);
      // From the moment its handlers exist, not from the spawn: before that,
      // Node has not evaluated the agent's first module, and its own default
      // ends the process by the signal (what a shell also reports as 143).
      await waitFor(`agent ${i}'s signal handlers`, () => (handlersInstalled(agent.pid) || agent.exitStatus() !== null ? true : undefined), { intervalMs: 5 });
      await sleep(delayMs);
      stages.push(lines(agent.log()).at(-1)?.msg ?? "(nothing logged yet)");
      agent.kill(signal);
      const exit = await agent.stop(10_000);
      const what = `seed ${seed}, moment ${i}: ${signal} ${delayMs} ms after the handlers, during "${stages.at(-1)}"`;
      expect(exit, `${what}\n${agent.log().slice(-3000)}`).toEqual({ code: 143, signal: null });
      expect(agent.log(), what).not.toMatch(/fatal|AbortError|\s+at \S+ \(/);
    }
    console.log(`SIGTERM/SIGINT moments landed during: ${[...new Set(stages)].join(" | ")}`);
  });

  it("exits 0 on a worker with no variables at all, without touching the network", async () => {
    const c = await start({ configYaml: (ca) => talosConfigYaml({ machineType: "worker", caCertPem: ca.certPem, caKeyPem: null }) }, 242);
    const agent = await c.spawnAgent({}, "worker", { bare: true });
    const exit = await agent.exited;
    const log = lines(agent.log());
    expect(exit.code, agent.log()).toBe(0);
    expect(log.map((l) => l.msg)).toEqual(["start", "not a control plane: nothing to bootstrap"]);
    expect(c.self.calls).toEqual([]); // not even its own apid
  });

  it("exits 2 with one line on a control plane without QUORUM_NODES", async () => {
    const c = await start({}, 243);
    const run = await runAgent(c, { TALOS_AUTO_BOOTSTRAP_CONTROL_PLANES: "3" }, 30_000);
    expect(run.code, run.log).toBe(2);
    const refusals = lines(run.log).filter((l) => l.level === "fatal");
    expect(refusals).toHaveLength(1);
    expect(refusals[0]?.err).toMatch(/TALOS_AUTO_BOOTSTRAP_QUORUM_NODES is required/);
    expect(run.log).not.toMatch(/"msg":"network"|\s+at \S+ \(/);
    expect(c.self.calls).toEqual([]);
  });

  const bigConfigs: [string, (yaml: string) => string, RegExp][] = [
    ["40,000 keys", (y) => `${y}---\napiVersion: v1alpha1\nkind: Huge\n${Array.from({ length: 40_000 }, (_, i) => `k${i}: 1`).join("\n")}\n`, /more than 32768 YAML tokens/],
    ["800 KB of nested flow", (y) => `${y}---\napiVersion: v1alpha1\nkind: Deep\nv: ${"[".repeat(400_000)}${"]".repeat(400_000)}\n`, /nests more than 64 levels/],
  ];
  for (const [what, make, reason] of bigConfigs) {
    it(`exits 1 with kind config-invalid on a config.yaml of ${what}, within 120 MB`, async () => {
      const c = await start({ configYaml: (ca) => make(talosConfigYaml({ machineType: "controlplane", caCertPem: ca.certPem, caKeyPem: ca.keyPem })) }, 244);
      const run = await runAgent(c, { TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "1" }, 30_000);
      expect(run.code, run.log).toBe(1);
      const refusal = lines(run.log).find((l) => l.msg === "credentials unavailable");
      expect(refusal?.kind).toBe("config-invalid");
      expect(refusal?.err).toMatch(reason);
      expect(run.peakRssKiB).toBeLessThan(120 * 1000);
    });
  }

  it("exits 1 with kind ca-expired when the machine CA has expired", async () => {
    const c = await start({ ca: async () => makeClusterCa("ed25519", { validityMs: 1_000 }) }, 245);
    await sleep(1_500);
    const run = await runAgent(c, { TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "1" }, 30_000);
    expect(run.code, run.log).toBe(1);
    expect(lines(run.log).find((l) => l.msg === "credentials unavailable")?.kind).toBe("ca-expired");
  });
});
