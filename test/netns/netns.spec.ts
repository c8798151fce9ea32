// Real test networks: each address plan as the kernel holds it, reachability
// per role, no route out, and teardown and sweep leaving nothing behind.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { NetworkSpec } from "../helpers/address-plan.js";
import { run, runOk } from "../helpers/cmd.js";
import { waitFor } from "../helpers/deadline.js";
import { leftovers } from "../helpers/leaks.js";
import { createNetwork, HOST_IFACE, sweepStale, type TestHost, type TestNetwork } from "../helpers/netns.js";
import { skipReason } from "../helpers/preflight.js";
import { skipWith } from "../helpers/skips.js";
import { isRunAlive } from "../helpers/run-id.js";
import { spawnInSandbox } from "../helpers/sandbox.js";
import { makeWorkDir, type WorkDir } from "../helpers/workdir.js";
import { probeInNs } from "./probe.js";
import { scannable } from "./scannable.js";

const skip = skipReason(["netns", "firewall", "sandbox", "node"]);

const SHORT_MS = 1_500;

/** Global addresses on eth0 in a namespace, as the kernel reports them. */
async function kernelAddresses(net: TestNetwork, h: TestHost): Promise<string[]> {
  const out = await runOk(["ip", "-n", h.ns, "-j", "addr", "show", "dev", HOST_IFACE]);
  const links = JSON.parse(out) as { addr_info: { local: string; scope: string }[] }[];
  return links.flatMap((l) => l.addr_info).filter((a) => a.scope === "global").map((a) => a.local);
}

async function listen(net: TestNetwork, h: TestHost, dir: string): Promise<void> {
  const script = `const net = require("net"); let n = 0;
for (const a of ${JSON.stringify(h.addresses.map((a) => a.address))})
  net.createServer((s) => s.end()).listen(50000, a, () => { if (++n === ${h.addresses.length}) console.log("listening"); });`;
  const p = await net.spawn(h, [process.execPath, "-e", script], { logFile: join(dir, `${h.name}.server.log`) });
  await waitFor(`server on ${h.name}`, () => (p.log().includes("listening") ? true : undefined));
}

describe("createNetwork()", skipWith(skip), () => {
  let work: WorkDir;
  let net: TestNetwork | null = null;
  beforeAll(async () => {
    await sweepStale();
    work = makeWorkDir("netspec");
  });
  afterEach(async () => {
    await net?.teardown();
    net = null;
  });
  afterAll(() => work?.remove());

  const cases: [string, NetworkSpec][] = [
    ["IPv4 /28", { hosts: [{ name: "a" }, { name: "b" }], droppingSpares: 2 }],
    ["IPv6-only /124", { family: "ipv6", hosts: [{ name: "a" }, { name: "b" }], droppingSpares: 2 }],
    ["dual stack", { family: "dual", hosts: [{ name: "a" }, { name: "b" }], droppingSpares: 2 }],
  ];
  for (const [what, spec] of cases) {
    it(`${what}: holds every scannable address; a node answers, the dropper drops, the filler refuses`, async () => {
      const n = (net = await createNetwork(spec));
      const held = (await Promise.all(n.hosts.map((h) => kernelAddresses(n, h)))).flat().sort();
      expect(held).toEqual(n.plan.prefixes.flatMap(scannable).sort());
      const [a, b, dropper, filler] = ["a", "b", "dropper", "filler"].map((x) => n.host(x)) as TestHost[];
      await listen(n, b!, work.path);
      for (const fam of new Set(b!.addresses.map((x) => x.family))) {
        const pick = (h: TestHost) => h.addresses.find((x) => x.family === fam)!.address;
        const r = await probeInNs((argv) => n.exec(a!, argv), {
          connect: [b!, dropper!, filler!].map((h) => ({ host: pick(h), port: 50000, timeoutMs: SHORT_MS })),
        });
        expect(r.connect?.map((c) => c.outcome), `IPv${fam}`).toEqual(["connected", "timeout", "ECONNREFUSED"]);
      }
    });
  }

  it("p2p: a /31 and a /127 on one veth pair, no bridge", async () => {
    const n = (net = await createNetwork({ family: "dual", topology: "p2p", hosts: [{ name: "a" }, { name: "b" }] }));
    expect(n.bridgeNs).toBeNull();
    expect(n.host("a").addresses.map((x) => x.prefixLength)).toEqual([31, 127]);
    await listen(n, n.host("b"), work.path);
    const r = await probeInNs((argv) => n.exec("a", argv), {
      connect: n.host("b").addresses.map((x) => ({ host: x.address, port: 50000, timeoutMs: SHORT_MS })),
    });
    expect(r.connect?.map((c) => c.outcome)).toEqual(["connected", "connected"]);
  });

  it("single: one /32 and nothing else on the link", async () => {
    const n = (net = await createNetwork({ topology: "single", hosts: [{ name: "a" }] }));
    const a = n.host("a");
    expect(await kernelAddresses(n, a)).toEqual([a.address]);
    expect(a.addresses[0]?.prefixLength).toBe(32);
    expect(n.plan.prefixes).toEqual([`${a.address}/32`]);
  });

  it("no namespace has a default route", async () => {
    const n = (net = await createNetwork({ family: "dual", hosts: [{ name: "a" }] }));
    for (const ns of [...n.hosts.map((h) => h.ns), n.bridgeNs!]) {
      for (const fam of ["-4", "-6"]) {
        expect((await runOk(["ip", "-n", ns, fam, "route", "show", "default"])).trim(), `${ns} ${fam}`).toBe("");
      }
    }
  });

  it("teardown kills what still runs in our namespaces (a sandbox too) and is idempotent", async () => {
    const n = (net = await createNetwork({ hosts: [{ name: "a" }] }));
    const a = n.host("a");
    const sleeper = await n.spawn(a, ["sleep", "600"], { logFile: join(work.path, "sleep.log") });
    const boxed = await spawnInSandbox({
      netns: a.ns,
      state: { kind: "none" },
      varLibDir: work.sub("varlib"),
      env: {},
      argv: ["/usr/bin/sleep", "600"],
      logFile: join(work.path, "boxed.log"),
    });
    await Promise.all([n.teardown(), n.teardown()]);
    await n.teardown();
    expect(sleeper.exitStatus()).not.toBeNull();
    expect(await boxed.exited).toMatchObject({ signal: "SIGKILL" });
    expect((await run(["ip", "netns", "list"])).stdout).not.toContain(a.ns);
  });

  it("sweepStale removes a dead run's namespace and temp dir, says it found some, and spares this live run", async () => {
    let dead = randomBytes(3).toString("hex");
    while (isRunAlive(dead)) dead = randomBytes(3).toString("hex");
    const deadNs = `abt-${dead}-n0-x`;
    const deadDir = join(tmpdir(), `abt-${dead}-work0`);
    await runOk(["ip", "netns", "add", deadNs]);
    mkdirSync(deadDir);
    const n = (net = await createNetwork({ hosts: [{ name: "a" }] }));
    const { log, found } = await sweepStale();
    expect(log).toContain(`ip netns del ${deadNs}`);
    expect(found, "sweep.sh exits 3 when it removed leftovers").toBe(true);
    expect(existsSync(deadDir)).toBe(false);
    expect((await run(["ip", "netns", "list"])).stdout).toContain(n.host("a").ns);
    expect(await leftovers(dead)).toEqual({ netns: [], loops: [], mappers: [], mounts: [], tempDirs: [] });
  });

  it("leaves nothing of this run behind", async () => {
    await net?.teardown();
    work.remove();
    expect(await leftovers()).toEqual({ netns: [], loops: [], mappers: [], mounts: [], tempDirs: [] });
  });
});
