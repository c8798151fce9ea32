// Where a control plane must not vote: its ballot directory is a tmpfs (a
// reboot would make it forget its promises), or Omni manages the node (Omni
// calls Bootstrap itself). One control plane with quorum 1, which would
// otherwise bootstrap at once: the override case shows that it does.
import { describe, expect, it } from "vitest";
import { logRecords } from "../helpers/agent-log.js";
import { leftovers } from "../helpers/leaks.js";
import { withScenario, world } from "../helpers/scenario.js";
import { skipWith } from "../helpers/skips.js";
import { agentEnv, agentSkipReason, bootstrapCalls, cp, expectBootstrappedOnceBy, records, runToEnd } from "./agent-scenarios.js";

const skip = agentSkipReason();

describe("a control plane that must not vote", skipWith(skip), () => {
  it("ballot directory on tmpfs: exits 1 naming the mount, and its apid sees no Bootstrap", async () => {
    await withScenario({ nodes: [cp("cp1", 0, { varLibTmpfs: true })], agentEnv: agentEnv(1, 1) }, async (s) => {
      const exits = await runToEnd(s);
      expect(exits["cp1"], "cp1: exit").toEqual({ code: 1, signal: null });
      const refused = records(s.node("cp1"), "refusing to vote: ballot directory not on persistent storage");
      expect(refused, "cp1: why it stopped").toEqual([
        expect.objectContaining({ level: "error", dir: "/var/lib/autobootstrap", why: "memory", mountPoint: "/var/lib/autobootstrap", fstype: "tmpfs", source: "abt-varlib" }),
      ]);
      expect(bootstrapCalls(s.node("cp1")), "cp1: Bootstrap calls on its apid").toBe(0);
      expect(records(s.node("cp1"), "network"), "cp1: network").toEqual([]);
      expect(world(s).clusters).toEqual([]);
    });
  });

  it("managed by Omni (SideroLinkConfig in its config): stands down with exit 0, no Bootstrap, no join token in the log", async () => {
    await withScenario({ nodes: [cp("cp1", 0, { omni: true })], agentEnv: agentEnv(1, 1) }, async (s) => {
      const exits = await runToEnd(s);
      expect(exits["cp1"], "cp1: exit").toEqual({ code: 0, signal: null });
      const n = s.node("cp1");
      expect(records(n, "managed by Omni: Omni bootstraps this cluster; nothing to do").map((r) => r["evidence"])).toEqual([["SideroLinkConfig document"]]);
      expect(bootstrapCalls(n), "cp1: Bootstrap calls on its apid").toBe(0);
      expect(records(n, "network"), "cp1: network").toEqual([]);
      expect(JSON.stringify(logRecords(n.agentLog))).not.toContain("test-join-token");
      expect(world(s).clusters).toEqual([]);
    });
  });

  it("managed by Omni with TALOS_AUTO_BOOTSTRAP_IGNORE_OMNI=true: warns, then bootstraps once", async () => {
    await withScenario(
      { nodes: [cp("cp1", 0, { omni: true })], agentEnv: agentEnv(1, 1, { TALOS_AUTO_BOOTSTRAP_IGNORE_OMNI: "true" }) },
      async (s) => {
        const exits = await runToEnd(s);
        expect(exits["cp1"], "cp1: exit").toEqual({ code: 0, signal: null });
        expect(records(s.node("cp1"), "managed by Omni, but TALOS_AUTO_BOOTSTRAP_IGNORE_OMNI=true: taking part anyway")).toHaveLength(1);
        expectBootstrappedOnceBy(s, "cp1");
      },
    );
  });
});

describe("a control plane that must not vote: teardown", skipWith(skip), () => {
  it("leaves nothing of this run behind", async () => {
    expect(await leftovers()).toEqual({ netns: [], loops: [], mappers: [], mounts: [], tempDirs: [] });
  });
});
