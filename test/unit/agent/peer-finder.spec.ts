import { pino } from "pino";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import type { AffiliatesRead } from "../../../src/agent/handlers/affiliates.js";
import { joinWatch } from "../../../src/agent/join-watch.js";
import { createPeerFinder, type PeerFinderDeps } from "../../../src/agent/peer-finder.js";
import type { TalosPort } from "../../../src/agent/port.js";
import type { PeerDiscoveryMode } from "../../../src/config/env.js";
import type { MachineType, ProbeResult } from "../../../src/core/types.js";
import { parsePrefix } from "../../../src/discovery/prefixes.js";

const SELF = "10.0.0.1";
const SELF_ID = "self-node-id";

type Answer = MachineType | "foreign" | "refused" | "drop";

/** A scripted world: who answers at which address, and what Talos discovery lists. */
function world(answers: Record<string, Answer>, listing: Record<string, { addresses: string[]; machineType?: string }> | "off" | "failed") {
  const probes: string[] = [];
  let lists = 0;
  const state = { answers: { ...answers }, listing };
  const port: TalosPort = {
    async probe(address, signal): Promise<ProbeResult> {
      probes.push(address);
      const a = state.answers[address] ?? "refused";
      switch (a) {
        case "refused":
          return { kind: "refused", address };
        case "foreign":
          return { kind: "foreign", address, detail: "certificate signed by another CA" };
        case "drop":
          // Silence until the caller gives up, as a firewall that drops SYNs.
          return new Promise((resolve) => signal.addEventListener("abort", () => resolve({ kind: "timeout", address }), { once: true }));
        default:
          return { kind: "talos", address, machineType: a, bootTime: 100n };
      }
    },
    async affiliates(): Promise<AffiliatesRead> {
      lists++;
      const l = state.listing;
      if (l === "failed") return { kind: "failed", reason: "connection refused" };
      if (l === "off") return { kind: "listed", selfNodeId: SELF_ID, affiliates: [] };
      const all: Record<string, { addresses: string[]; machineType?: string }> = { [SELF_ID]: { addresses: [SELF] }, ...l };
      return {
        kind: "listed",
        selfNodeId: SELF_ID,
        affiliates: Object.entries(all).map(([id, a]) => ({ id, yamlSpec: stringify({ nodeId: id, addresses: a.addresses, machineType: a.machineType ?? "controlplane" }) })),
      };
    },
    etcd: async () => ({ kind: "absent", state: "Waiting" }),
    etcdData: async () => ({ kind: "empty" }),
    nodeId: async () => ({ id: SELF_ID }),
    ballot: async () => ({ read: { kind: "missing" }, serverKey: null }),
    bootstrap: async () => ({ kind: "ok" }),
    etcdRecover: async () => ({ kind: "stored" }),
    close: () => {},
  };
  return { port, probes, state, lists: () => lists };
}

function finderIn(w: ReturnType<typeof world>, mode: PeerDiscoveryMode, quorum: number, peers: string[] = []) {
  const deps: PeerFinderDeps = {
    port: w.port,
    selfAddress: SELF,
    mode,
    quorum,
    scanConcurrency: 8,
    scanTimeoutMs: 200,
    plan: () => ({ prefixes: [parsePrefix("10.0.0.0/28")], peers, local: [SELF] }),
    log: pino({ level: "silent" }),
  };
  return createPeerFinder(deps);
}

const signal = new AbortController().signal;
const inPrefix = (a: string) => /^10\.0\.0\.\d+$/.test(a);

describe("createPeerFinder().find()", () => {
  it("auto: discovery shows a quorum across subnets, so nothing is scanned", async () => {
    const w = world({ "10.1.0.2": "controlplane", "10.2.0.3": "controlplane" }, { b: { addresses: ["10.1.0.2"] }, c: { addresses: ["10.2.0.3"] }, w: { addresses: ["10.3.0.4"], machineType: "worker" } });
    const found = await finderIn(w, "auto", 3).find(signal, true);
    expect(found.controlPlanes.map((p) => p.address)).toEqual(["10.1.0.2", "10.2.0.3"]);
    expect(found).toMatchObject({ sources: { discovery: 2, peers: 0, scan: 0 }, scanned: false, discovery: { kind: "on", listed: 2 } });
    expect(w.probes.sort()).toEqual(["10.1.0.2", "10.2.0.3"]);
  });

  it("auto: discovery off in Talos (an empty list) falls back to the scan", async () => {
    const w = world({ "10.0.0.2": "controlplane", "10.0.0.3": "worker" }, "off");
    const found = await finderIn(w, "auto", 2).find(signal, true);
    expect(found).toMatchObject({ sources: { discovery: 0, peers: 0, scan: 1 }, scanned: true, discovery: { kind: "off" } });
    expect(found.summary).toMatchObject({ probed: 13, controlPlanes: 1, workers: 1, unreachable: 11 });
  });

  it("auto: discovery and PEERS covering the quorum mean no scan; a PEERS entry naming a listed node counts once", async () => {
    const w = world({ "10.1.0.2": "controlplane", "10.5.0.5": "controlplane" }, { b: { addresses: ["10.1.0.2"] } });
    const found = await finderIn(w, "auto", 3, ["10.1.0.2", "10.5.0.5"]).find(signal, true);
    expect(found).toMatchObject({ sources: { discovery: 1, peers: 1, scan: 0 }, scanned: false });
    expect(w.probes.filter(inPrefix)).toEqual([]);
  });

  it("an affiliate whose address answers with a foreign certificate is not counted, and a dropping one does not hold the others", async () => {
    const w = world({ "10.1.0.2": "foreign", "10.2.0.3": "drop", "10.3.0.4": "controlplane" }, { f: { addresses: ["10.1.0.2"] }, d: { addresses: ["10.2.0.3"] }, c: { addresses: ["10.3.0.4"] } });
    const found = await finderIn(w, "no-scan", 3).find(signal, true);
    expect(found.controlPlanes.map((p) => p.address)).toEqual(["10.3.0.4"]);
    expect(found.sources).toEqual({ discovery: 1, peers: 0, scan: 0 });
    expect(found.summary).toMatchObject({ probed: 3, foreign: 1, unreachable: 1, controlPlanes: 1 });
  });

  it("no-scan never scans, even below the quorum; scan-only never reads the Affiliates", async () => {
    const w1 = world({}, { b: { addresses: ["10.1.0.2"] } });
    expect((await finderIn(w1, "no-scan", 3).find(signal, true)).scanned).toBe(false);
    expect(w1.probes).toEqual(["10.1.0.2"]);
    const w2 = world({ "10.0.0.2": "controlplane" }, { b: { addresses: ["10.1.0.2"] } });
    const found = await finderIn(w2, "scan-only", 2).find(signal, true);
    expect(w2.lists()).toBe(0);
    expect(found).toMatchObject({ scanned: true, discovery: { kind: "not-used" }, sources: { discovery: 0, peers: 0, scan: 1 } });
  });

  it("between full passes: the verified address only, and the scan's finds; a node tried in vain waits for the join watch", async () => {
    const w = world({ "10.1.0.2": "controlplane", "10.1.0.9": "controlplane", "10.0.0.5": "controlplane" }, { b: { addresses: ["10.1.0.9", "10.1.0.2"] }, x: { addresses: ["10.4.0.4"] } });
    const finder = finderIn(w, "auto", 4);
    await finder.find(signal, true);
    w.probes.length = 0;
    const found = await finder.find(signal, false);
    expect(w.probes.sort()).toEqual(["10.0.0.5", "10.1.0.2"]);
    expect(found.sources).toEqual({ discovery: 1, peers: 0, scan: 1 });
  });
});

describe("createPeerFinder().poll() and joinWatch()", () => {
  it("a control plane that registers during a long wait ends it at the next tick", async () => {
    const w = world({ "10.1.0.2": "controlplane" }, {});
    const finder = finderIn(w, "auto", 2);
    await finder.find(signal, true);
    expect(finder.watching()).toBe(true);
    let now = 0;
    const naps: number[] = [];
    const sleep = async (ms: number) => {
      naps.push(ms);
      now += ms;
      // The new control plane registers after 3 s.
      if (now >= 3_000) w.state.listing = { b: { addresses: ["10.1.0.2"] } };
      return true;
    };
    const nap = joinWatch({ finder, sleep, now: () => now, tickMs: 1_000 });
    expect(await nap(30_000, signal)).toBe(true);
    expect(now).toBe(3_000);
    w.probes.length = 0;
    const found = await finder.find(signal, false);
    expect(found.controlPlanes.map((p) => p.address)).toEqual(["10.1.0.2"]);
    expect(w.probes).toEqual(["10.1.0.2"]);
  });

  it("sleeps plainly when Talos discovery is off, and keeps the whole wait when nobody joins", async () => {
    const w = world({}, "off");
    const finder = finderIn(w, "auto", 2);
    await finder.find(signal, true);
    expect(finder.watching()).toBe(false);
    let now = 0;
    const naps: number[] = [];
    const nap = joinWatch({ finder, sleep: async (ms) => (naps.push(ms), (now += ms), true), now: () => now, tickMs: 1_000 });
    expect(await nap(30_000, signal)).toBe(true);
    expect(naps).toEqual([30_000]);

    const w2 = world({ "10.1.0.2": "drop" }, { b: { addresses: ["10.1.0.2"] } });
    const f2 = finderIn(w2, "auto", 2);
    await f2.find(signal, true);
    let now2 = 0;
    const nap2 = joinWatch({ finder: f2, sleep: async (ms) => ((now2 += ms), true), now: () => now2, tickMs: 1_000 });
    expect(await nap2(5_000, signal)).toBe(true);
    expect(now2).toBe(5_000);
  });

  it("takes a monotonic clock with fractions (performance.now()) without throwing", async () => {
    const w = world({}, {});
    const finder = finderIn(w, "auto", 2);
    await finder.find(signal, true);
    let now = 0.123;
    // Every read of the clock moves it a little, as performance.now() does.
    const nap = joinWatch({ finder, sleep: async (ms) => ((now += ms), true), now: () => (now += 0.0107), tickMs: 1_000 });
    expect(await nap(3_000.5, signal)).toBe(true);
    expect(w.lists()).toBeGreaterThan(1);
  });

  it("ends at once, false, when the signal aborts", async () => {
    const w = world({}, {});
    const finder = finderIn(w, "auto", 2);
    await finder.find(signal, true);
    const stop = new AbortController();
    const nap = joinWatch({ finder, sleep: async () => (stop.abort(), false), now: () => 0, tickMs: 1_000 });
    expect(await nap(30_000, stop.signal)).toBe(false);
  });
});
