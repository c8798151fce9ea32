// Scenarios with fake Talos nodes in namespaces. The plumbing test needs only
// the fake apid; the agent test runs dist/autobootstrap.js as on Talos.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { firstRecord } from "../helpers/agent-log.js";
import { leftovers } from "../helpers/leaks.js";
import { skipReason } from "../helpers/preflight.js";
import { skipWith } from "../helpers/skips.js";
import {
  AGENT_BUNDLE,
  startAgents,
  startFakeApids,
  waitForAgents,
  withScenario,
  world,
  type ScenarioNode,
} from "../helpers/scenario.js";
import { probeInNs } from "./probe.js";

const skip = skipReason(["netns", "firewall", "loop", "xfs", "luks", "sandbox", "node"]);
const noAgent = skip ?? (existsSync(AGENT_BUNDLE) ? null : `${AGENT_BUNDLE} missing (npm run build)`);

const AGENT_DEADLINE_MS = 90_000;

/** Short timings so a scenario takes seconds; the protocol does not depend on them. */
const FAST_ENV = {
  LOG_LEVEL: "debug",
  TALOS_AUTO_BOOTSTRAP_SCAN_INTERVAL: "1s",
  TALOS_AUTO_BOOTSTRAP_FOLLOWER_CHECK_INTERVAL: "500ms",
  TALOS_AUTO_BOOTSTRAP_PRE_BOOTSTRAP_DELAY: "0",
  TALOS_AUTO_BOOTSTRAP_SCAN_TIMEOUT: "1s",
  TALOS_AUTO_BOOTSTRAP_CONSENT_INTERVAL: "200ms",
  TALOS_AUTO_BOOTSTRAP_MAX_BACKOFF: "2s",
};

const cp = (name: string, talosVersion: string, extra: Partial<ScenarioNode> = {}): ScenarioNode => ({
  name,
  machineType: "controlplane",
  talosVersion,
  ...extra,
});

describe("scenario plumbing", skipWith(skip), () => {
  it("fake apids listen on each Talos host's own address, in its namespace; the world starts empty", async () => {
    await withScenario(
      {
        network: { droppingSpares: 2 },
        nodes: [cp("cp1", "v1.12"), cp("cp2", "v1.9"), { name: "w1", machineType: "worker", talosVersion: "v1.12" }],
        agentEnv: {},
      },
      async (s) => {
        await startFakeApids(s);
        const r = await probeInNs((argv) => s.net.exec("cp1", argv), {
          connect: s.nodes.map((n) => ({ host: n.host.address, port: 50000, timeoutMs: 5_000 })),
        });
        expect(r.connect?.map((c) => c.outcome)).toEqual(["connected", "connected", "connected"]);
        expect(world(s).clusters).toEqual([]);
      },
    );
  });
});

describe("agents in sandboxes against fake apids", skipWith(noAgent), () => {
  for (const [what, version, encrypted, source] of [
    ["Talos 1.12, LUKS2 STATE", "v1.12", true, "/dev/mapper/luks2-STATE"],
    ["Talos 1.11, LUKS2 STATE under the old mapper name", "v1.11", true, /^\/dev\/mapper\/loop\d+-encrypted$/],
    ["Talos 1.10, raw STATE", "v1.10", false, "/dev/disk/by-partlabel/STATE"],
    ["Talos 1.9, STATE mounted", "v1.9", false, "/system/state/config.yaml"],
  ] as const) {
    it(`${what}: three control planes bootstrap exactly one etcd cluster`, async () => {
      await withScenario(
        {
          network: { droppingSpares: 2 },
          nodes: ["cp1", "cp2", "cp3"].map((n) => cp(n, version, { encrypted })),
          agentEnv: { ...FAST_ENV, TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "2", TALOS_AUTO_BOOTSTRAP_CONTROL_PLANES: "3" },
        },
        async (s) => {
          await startFakeApids(s);
          await startAgents(s);
          const exits = await waitForAgents(s, AGENT_DEADLINE_MS);
          expect(world(s).clusters).toHaveLength(1);
          expect(Object.values(exits).map((e) => e.code)).toEqual([0, 0, 0]);
          for (const n of s.nodes) {
            expect(firstRecord(n.agentLog, "credentials loaded")?.["source"], n.spec.name).toMatch(source);
          }
        },
      );
    });
  }
});

describe("scenario teardown", skipWith(skip), () => {
  it("leaves nothing of this run behind", async () => {
    expect(await leftovers()).toEqual({ netns: [], loops: [], mappers: [], mounts: [], tempDirs: [] });
  });
});
