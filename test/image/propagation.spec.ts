// Proof, with real mounts, that the service definition's /system bind can
// never keep STATE mounted, and that the bind it replaced did (TALOS.md §7,
// §11): a STATE mount present when the container starts, then machined
// unmounts it and mounts it read-write. All of it happens in a private mount
// namespace of this test, on a loop-device XFS (propagation.ts).
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { run } from "../helpers/cmd.js";
import { majorMinor } from "../helpers/loop.js";
import { skipReason } from "../helpers/preflight.js";
import { markRunAlive, onExitLastResort, runName } from "../helpers/run-id.js";
import { skipWith } from "../helpers/skips.js";
import { makeStateVolume, type StateVolume } from "../helpers/state-image.js";
import { REPO } from "./image.js";
import { propagationScript, results, type BindUnderTest } from "./propagation.js";
import { STATE_MOUNT_POINT } from "./service-lint.js";

const skip = skipReason(["loop", "xfs", "sandbox"]);

const SCRIPT_DEADLINE_MS = 60_000;
const CONFIG = "version: v1alpha1\nmachine:\n  type: controlplane\n";
/** The bind this definition used until issue 9: STATE's mount point itself. */
const OLD_BIND: BindUnderTest = { source: STATE_MOUNT_POINT, destination: STATE_MOUNT_POINT, options: ["rbind", "rslave", "ro"] };

/** The extension's mount that reaches STATE's mount point (its source is that path or above it). */
function extensionBind(): BindUnderTest {
  const spec = parse(readFileSync(join(REPO, "extension/autobootstrap.yaml"), "utf8")) as { container: { mounts: BindUnderTest[] } };
  const covering = spec.container.mounts.filter((m) => STATE_MOUNT_POINT === m.source || STATE_MOUNT_POINT.startsWith(`${m.source}/`));
  if (covering.length !== 1) throw new Error(`expected one mount covering ${STATE_MOUNT_POINT}, found ${covering.length}`);
  return covering[0] as BindUnderTest;
}

describe("the /system bind and STATE (real mount propagation)", skipWith(skip), () => {
  let volume: StateVolume;
  let n = 0;

  beforeAll(async () => {
    markRunAlive();
    volume = await makeStateVolume({ configYaml: CONFIG });
  });
  afterAll(async () => {
    await volume?.teardown();
  });

  /** experiment runs the script once; its mounts vanish with its namespace. */
  async function experiment(bind: BindUnderTest): Promise<Record<string, string>> {
    const base = join(tmpdir(), runName(`prop${n++}`));
    mkdirSync(base, { mode: 0o700 });
    const forget = onExitLastResort(() => rmSync(base, { recursive: true, force: true }));
    try {
      const { major, minor } = majorMinor(volume.partition.device);
      const script = propagationScript({ device: volume.partition.device, majorMinor: `${major}:${minor}`, base }, bind);
      const r = await run(["unshare", "-m", "--propagation", "private", "sh", "-c", script], { timeoutMs: SCRIPT_DEADLINE_MS });
      const out = results(r.stdout);
      if (r.code !== 0 || "setup-failed" in out) throw new Error(`propagation script failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
      return out;
    } finally {
      rmSync(base, { recursive: true, force: true });
      forget();
    }
  }

  it("the extension's bind (rbind, rslave of /system): machined's unmount reaches the container; its rw mount works", async () => {
    const bind = extensionBind();
    expect(bind.source).not.toBe(STATE_MOUNT_POINT);
    const r = await experiment(bind);
    expect(Number(r["seen-at-start"]), "the container sees STATE mounted at start (Talos ≤ 1.9 reads config.yaml there)").toBeGreaterThan(0);
    expect(r["config-read"], "config.yaml readable through the bind").toBe("0");
    expect(r["umount"], "machined's unmount").toBe("0");
    expect(r["seen-after-umount"], "the container's mounts of STATE after the unmount").toBe("0");
    expect(r["mount-rw"], `machined's rw mount: ${r["mount-rw-error"] ?? ""}`).toBe("0");
    expect(r["seen-at-end"], "the container's mounts of STATE at the end").toBe("0");
  });

  it("the old bind of /system/state itself keeps STATE mounted in the container, and machined's rw mount fails EBUSY", async () => {
    const r = await experiment(OLD_BIND);
    expect(r["umount"], "machined's unmount still succeeds on the host").toBe("0");
    expect(Number(r["seen-after-umount"]), "the container still holds STATE").toBeGreaterThan(0);
    expect(r["mount-rw"], "machined's rw mount while the container holds STATE read-only").toBe("1");
    expect(r["mount-rw-error"]).toMatch(/busy/i);
    expect(r["mount-rw-after-exit"], "once the container is gone, the rw mount works: the pin was the container's").toBe("0");
  });
});
