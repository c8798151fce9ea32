// The agent on links that are not a plain subnet: a /31 point-to-point link
// between two control planes (RFC 3021: both addresses are hosts), and nodes
// holding a /32 with the subnet reached on-link (as clouds hand them out),
// where the interface gives nothing to scan and SCAN_CIDR or PEERS must say
// where the peers are.
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { waitFor } from "../helpers/deadline.js";
import { leftovers } from "../helpers/leaks.js";
import { skipWith } from "../helpers/skips.js";
import { startAgents, startFakeApids, withScenario, world } from "../helpers/scenario.js";
import {
  agentEnv,
  agentSkipReason,
  cp,
  electionCandidates,
  expectAllExitedZero,
  expectBootstrappedOnceBy,
  expectOneClusterByBest,
  records,
  runToEnd,
  scanResults,
} from "./agent-scenarios.js";

const skip = agentSkipReason();

/** How long agents with nothing to scan are watched before they are stopped: several scan intervals (2 s). */
const IDLE_WATCH_MS = 5_000;

describe("agents on special links", skipWith(skip), () => {
  it("/31 point-to-point link, two control planes, quorum 2: bootstraps exactly once", async () => {
    await withScenario(
      {
        network: { topology: "p2p" },
        nodes: [cp("cp1", 1), cp("cp2", 0)],
        agentEnv: agentEnv(2, 2),
      },
      async (s) => {
        expect(s.node("cp1").host.addresses[0]?.prefixLength).toBe(31);
        const exits = await runToEnd(s);
        expectAllExitedZero(exits);
        // Quorum 2 of 2: whoever proposed had seen both, so the older one founds, whatever the timing.
        expectBootstrappedOnceBy(s, "cp2");
        expectOneClusterByBest(s);
        for (const n of s.nodes) {
          // The other end of the /31 is the only target, and it is a control plane.
          expect(scanResults(n).some((r) => r["probed"] === 1 && r["controlPlanes"] === 1), `${n.spec.name}: scan of the /31`).toBe(true);
        }
      },
    );
  });

  for (const how of ["SCAN_CIDR", "PEERS"] as const) {
    it(`/32 addresses with TALOS_AUTO_BOOTSTRAP_${how} naming the peers: bootstraps once, on the best control plane in view`, async () => {
      await withScenario(
        {
          network: { hostAddresses: true, droppingSpares: 2 },
          nodes: [cp("cp1", 2), cp("cp2", 0), cp("cp3", 1)],
          agentEnv: agentEnv(2, 3),
        },
        async (s) => {
          expect(s.node("cp1").host.addresses[0]?.prefixLength).toBe(32);
          const value = how === "SCAN_CIDR" ? s.net.plan.prefixes.join(",") : s.nodes.map((n) => n.host.address).join(",");
          const exits = await runToEnd(s, { ...s.agentEnv, [`TALOS_AUTO_BOOTSTRAP_${how}`]: value });
          expectAllExitedZero(exits);
          expectOneClusterByBest(s);
          for (const n of s.nodes) {
            const name = n.spec.name;
            // The interface's /32 holds only this node: said once, and never scanned.
            expect(records(n, "interface prefix holds only this node; skipped"), name).toHaveLength(how === "SCAN_CIDR" ? 0 : 1);
            expect(records(n, "nothing to scan: set TALOS_AUTO_BOOTSTRAP_SCAN_CIDR or TALOS_AUTO_BOOTSTRAP_PEERS"), name).toEqual([]);
            const network = records(n, "network")[0];
            if (how === "SCAN_CIDR") expect(network?.["source"], `${name}: network source`).toBe("TALOS_AUTO_BOOTSTRAP_SCAN_CIDR");
            else expect(network?.["prefixes"], `${name}: prefixes`).toEqual([]);
            expect(scanResults(n).some((r) => r["controlPlanes"] === 2), `${name}: a scan found both peers`).toBe(true);
          }
        },
      );
    });
  }

  it("/32 addresses and neither SCAN_CIDR nor PEERS: each agent says there is nothing to scan and, with quorum 2, never bootstraps", async () => {
    await withScenario(
      {
        network: { hostAddresses: true, droppingSpares: 2 },
        nodes: [cp("cp1", 2), cp("cp2", 0), cp("cp3", 1)],
        agentEnv: agentEnv(2, 3),
      },
      async (s) => {
        await startFakeApids(s);
        await startAgents(s);
        const nothing = "nothing to scan: set TALOS_AUTO_BOOTSTRAP_SCAN_CIDR or TALOS_AUTO_BOOTSTRAP_PEERS";
        await waitFor("every agent to say there is nothing to scan and to elect alone", () =>
          s.nodes.every((n) => records(n, nothing).length > 0 && records(n, "election").length > 0) ? true : undefined,
        { timeoutMs: 60_000 });
        await sleep(IDLE_WATCH_MS);
        for (const n of s.nodes) expect(n.agent?.exitStatus(), `${n.spec.name}: still waiting for a quorum`).toBeNull();
        const stopped = await Promise.all(s.nodes.map((n) => n.agent!.stop()));
        expect(stopped.map((e) => e.code), "exit on SIGTERM").toEqual([143, 143, 143]);
        expect(world(s).clusters, "etcd clusters").toEqual([]);
        for (const n of s.nodes) {
          const name = n.spec.name;
          expect(records(n, nothing), name).toHaveLength(1);
          expect(records(n, "interface prefix holds only this node; skipped"), name).toHaveLength(1);
          expect(records(n, "bootstrap executing"), name).toEqual([]);
          for (const r of scanResults(n)) expect(r["probed"], `${name}: probed`).toBe(0);
          for (const e of electionCandidates(s, n)) expect(e.names, `${name}: candidates`).toEqual([name]);
        }
      },
    );
  });
});

describe("agents on special links: teardown", skipWith(skip), () => {
  it("leaves nothing of this run behind", async () => {
    expect(await leftovers()).toEqual({ netns: [], loops: [], mappers: [], mounts: [], tempDirs: [] });
  });
});
