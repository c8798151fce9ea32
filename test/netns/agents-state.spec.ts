// Where the agent finds its STATE: an encrypted partition behind Talos 1.12's
// LUKS mapper name (/dev/mapper/luks2-STATE) and behind the ≤ 1.11 name
// (/dev/mapper/<partition>-encrypted), next to a plain one, in one cluster;
// and an encrypted STATE whose mapper is not open, which that agent must
// refuse (it cannot read its CA) while the others still reach a quorum.
import { describe, expect, it } from "vitest";
import { leftovers } from "../helpers/leaks.js";
import { skipWith } from "../helpers/skips.js";
import { withScenario } from "../helpers/scenario.js";
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
} from "./agent-scenarios.js";

const skip = agentSkipReason();

describe("agents reading STATE", skipWith(skip), () => {
  it("LUKS2 under luks2-STATE (1.12), under <partition>-encrypted (1.11), and plain (1.10): each reads its config; bootstraps once", async () => {
    await withScenario(
      {
        network: { droppingSpares: 2 },
        nodes: [
          cp("luks12", 1, { talosVersion: "v1.12", encrypted: true }),
          cp("luks11", 0, { talosVersion: "v1.11", encrypted: true }),
          cp("plain10", 2, { talosVersion: "v1.10" }),
        ],
        agentEnv: agentEnv(2, 3),
      },
      async (s) => {
        const exits = await runToEnd(s);
        expectAllExitedZero(exits);
        expectOneClusterByBest(s);
        const sources: Record<string, RegExp> = {
          luks12: /^\/dev\/mapper\/luks2-STATE$/,
          luks11: /^\/dev\/mapper\/loop\d+-encrypted$/,
          plain10: /^\/dev\/disk\/by-partlabel\/STATE$/,
        };
        for (const [name, source] of Object.entries(sources)) {
          expect(records(s.node(name), "credentials loaded")[0]?.["source"], `${name}: STATE read from`).toMatch(source);
        }
      },
    );
  });

  it("encrypted STATE with no mapper open: that agent exits non-zero with state-encrypted; the other two still bootstrap once", async () => {
    await withScenario(
      {
        network: { droppingSpares: 2 },
        // The locked node boots first: were it counted, it would be the nominee.
        nodes: [cp("locked", 0, { encrypted: true, mapperOpen: false }), cp("cp1", 2), cp("cp2", 1)],
        agentEnv: agentEnv(2, 3),
      },
      async (s) => {
        const exits = await runToEnd(s);
        expect(exits["locked"]?.code, "locked: exit code").not.toBe(0);
        expect(exits["locked"]?.code, "locked: exit code").not.toBeNull();
        const { locked: _, ...others } = exits;
        expectAllExitedZero(others);
        const refused = records(s.node("locked"), "credentials unavailable");
        expect(refused.map((r) => r["kind"]), "locked: why it stopped").toEqual(["state-encrypted"]);
        expect(records(s.node("locked"), "network"), "locked: network").toEqual([]);
        // Two agents, quorum 2: whoever proposed had seen both, so the older one founds, whatever the timing.
        expectBootstrappedOnceBy(s, "cp2");
        expectOneClusterByBest(s);
        for (const c of ["cp1", "cp2"]) {
          for (const e of electionCandidates(s, s.node(c))) expect(e.names, `${c}: candidates`).not.toContain("locked");
        }
      },
    );
  });
});

describe("agents reading STATE: teardown", skipWith(skip), () => {
  it("leaves nothing of this run behind", async () => {
    expect(await leftovers()).toEqual({ netns: [], loops: [], mappers: [], mounts: [], tempDirs: [] });
  });
});
