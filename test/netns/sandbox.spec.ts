// Smoke tests of the sandbox: what a program run "as on Talos" sees of the
// network (own veth address, a live peer, a dropping and a refusing host) and
// of its fixed paths (STATE device, /system/state, /var/lib/autobootstrap,
// the LUKS mapper), and that nothing is left on the host afterwards.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/deadline.js";
import { leftovers } from "../helpers/leaks.js";
import { createNetwork, sweepStale, type TestNetwork } from "../helpers/netns.js";
import { skipReason } from "../helpers/preflight.js";
import { legacyMapperName, sandboxState } from "../helpers/sandbox.js";
import { skipWith } from "../helpers/skips.js";
import { makeStateVolume, type StateVolume } from "../helpers/state-image.js";
import { makeWorkDir, type WorkDir } from "../helpers/workdir.js";
import { probe } from "./probe.js";

const skip = skipReason(["netns", "firewall", "loop", "xfs", "luks", "sandbox", "node"]);

const CONFIG = "version: v1alpha1\nmachine:\n  type: controlplane\n";
const XFS_MAGIC = Buffer.from("XFSB").toString("hex");
const LUKS_MAGIC = Buffer.from([0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe]).toString("hex");
const SHORT_MS = 1_500;

describe("spawnInSandbox()", skipWith(skip), () => {
  let net: TestNetwork;
  let plain: StateVolume;
  let luks: StateVolume;
  let work: WorkDir;
  const teardown = async () => {
    await net?.teardown();
    await plain?.teardown();
    await luks?.teardown();
    work?.remove();
  };

  beforeAll(async () => {
    await sweepStale();
    work = makeWorkDir("sbxspec");
    net = await createNetwork({ hosts: [{ name: "a" }, { name: "b" }], droppingSpares: 3 });
    plain = await makeStateVolume({ configYaml: CONFIG });
    luks = await makeStateVolume({ configYaml: CONFIG, encrypted: true });
  });
  afterAll(teardown);

  const ctx = (state: Parameters<typeof probe>[0]["state"], netns?: string) => ({
    state,
    varLibDir: work.sub("varlib"),
    logDir: work.sub("logs"),
    ...(netns !== undefined ? { netns } : {}),
  });

  it("sees its own veth address, reaches a live peer, times out on a dropping host, is refused by a refusing one", async () => {
    const a = net.host("a");
    const b = net.host("b");
    const server = await net.spawn(b, [process.execPath, "-e", `require("net").createServer((s) => s.end("hi")).listen(50000, "${b.address}", () => console.log("listening"))`], {
      logFile: join(work.sub("logs"), "server.log"),
    });
    await waitFor("the server on b", () => (server.log().includes("listening") ? true : undefined));
    const dropping = net.host("dropper").address;
    const refusing = net.host("filler").address;
    const r = await probe(ctx({ kind: "none" }, a.ns), {
      ifaces: true,
      connect: [b.address, dropping, refusing].map((host) => ({ host, port: 50000, timeoutMs: SHORT_MS })),
    });
    const own = Object.values(r.ifaces ?? {}).flat().map((i) => i.address);
    expect(own).toContain(a.address);
    expect(r.connect?.map((c) => c.outcome)).toEqual(["connected", "timeout", "ECONNREFUSED"]);
  });

  it("device mode: by-partlabel/STATE is the XFS block device and /system/state is empty", async () => {
    const r = await probe(ctx(sandboxState(plain, "device")), {
      stat: ["/dev/disk/by-partlabel/STATE"],
      head: [{ path: "/dev/disk/by-partlabel/STATE", n: 4 }],
      readdir: ["/system/state", "/dev"],
      env: true,
    });
    expect(r.stat?.["/dev/disk/by-partlabel/STATE"]).toMatchObject({ blockDevice: true });
    expect(r.head?.["/dev/disk/by-partlabel/STATE"]).toBe(XFS_MAGIC);
    expect(r.readdir?.["/system/state"]).toEqual([]);
    expect(r.env).toEqual({ PATH: expect.any(String) });
  });

  // Wherever node is installed (/usr/bin, /opt, ~/.nvm), the sandbox shows it at the same path.
  it("runs the very node binary the tests run on, at its own path", async () => {
    const r = await probe(ctx({ kind: "none" }), { self: true });
    expect(r.self).toEqual({ execPath: process.execPath, version: process.version });
  });

  it("mounted mode: /system/state holds config.yaml", async () => {
    const r = await probe(ctx(sandboxState(plain, "mounted")), { read: ["/system/state/config.yaml"] });
    expect(r.read?.["/system/state/config.yaml"]).toBe(CONFIG);
  });

  it("writes to /var/lib/autobootstrap land in varLibDir; the rest of the root is read-only", async () => {
    const c = ctx({ kind: "none" });
    const r = await probe(c, {
      write: [
        { path: "/var/lib/autobootstrap/ballot.json", content: "{}" },
        { path: "/etc/abt-should-fail", content: "x" },
        { path: "/var/lib/other", content: "x" },
      ],
    });
    expect(r.write?.["/var/lib/autobootstrap/ballot.json"]).toBe("ok");
    expect(r.write?.["/etc/abt-should-fail"]).toEqual({ error: "EROFS" });
    expect(r.write?.["/var/lib/other"]).toEqual({ error: "EROFS" });
    expect(readFileSync(join(c.varLibDir, "ballot.json"), "utf8")).toBe("{}");
  });

  it("LUKS mode: luks2-STATE holds the XFS, by-partlabel/STATE the LUKS header", async () => {
    const r = await probe(ctx(sandboxState(luks, "device")), {
      stat: ["/dev/mapper/luks2-STATE"],
      head: [
        { path: "/dev/mapper/luks2-STATE", n: 4 },
        { path: "/dev/disk/by-partlabel/STATE", n: 6 },
      ],
      readdir: ["/system/state"],
    });
    expect(r.stat?.["/dev/mapper/luks2-STATE"]).toMatchObject({ blockDevice: true });
    expect(r.head?.["/dev/mapper/luks2-STATE"]).toBe(XFS_MAGIC);
    expect(r.head?.["/dev/disk/by-partlabel/STATE"]).toBe(LUKS_MAGIC);
    expect(r.readdir?.["/system/state"]).toEqual([]);
  });

  it("LUKS, Talos ≤ 1.11 naming: /dev/mapper/<partition>-encrypted", async () => {
    const name = legacyMapperName(luks.partition);
    const r = await probe(ctx(sandboxState(luks, "device", [name])), {
      head: [{ path: `/dev/mapper/${name}`, n: 4 }],
      readdir: ["/dev/mapper"],
    });
    expect(r.head?.[`/dev/mapper/${name}`]).toBe(XFS_MAGIC);
    expect(r.readdir?.["/dev/mapper"]).toEqual([name]);
  });

  it("leaves no namespace, loop device, mapping, mount or temp dir of this run behind", async () => {
    await teardown();
    expect(await leftovers()).toEqual({ netns: [], loops: [], mappers: [], mounts: [], tempDirs: [] });
  });
});
