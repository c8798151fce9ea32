import { connect, createServer, type AddressInfo, type Server } from "node:net";
import { setImmediate as tick } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { ProbeResult } from "../../../src/core/types.js";
import { targets } from "../../../src/discovery/addresses.js";
import { parsePrefixList } from "../../../src/discovery/prefixes.js";
import { scan, type ProbeFn } from "../../../src/discovery/scan.js";

const never = new AbortController().signal;
const opts = (concurrency: number, signal = never) => ({ concurrency, timeoutMs: 5_000, signal });
const range = (n: number) => Array.from({ length: n }, (_, i) => `10.0.${i >> 8}.${i & 255}`);

/** A probe that answers from a table after a tick; unknown addresses refuse. */
const tableProbe =
  (table: Record<string, ProbeResult>): ProbeFn =>
  async (address) => {
    await tick();
    return table[address] ?? { kind: "refused", address };
  };

describe("scan()", () => {
  it("sorts results into peers and foreign and counts them", async () => {
    const table: Record<string, ProbeResult> = {
      "10.0.0.10": { kind: "talos", address: "10.0.0.10", machineType: "controlplane", bootTime: 5n },
      "10.0.0.9": { kind: "talos", address: "10.0.0.9", machineType: "init", bootTime: 7n },
      "10.0.0.2": { kind: "talos", address: "10.0.0.2", machineType: "worker", bootTime: 1n },
      "10.0.0.3": { kind: "talos", address: "10.0.0.3", machineType: "unknown", bootTime: 1n },
      "10.0.0.4": { kind: "timeout", address: "10.0.0.4" },
      "10.0.0.5": { kind: "tls-rejected", address: "10.0.0.5", detail: "certificate required" },
      "10.0.0.6": { kind: "foreign", address: "10.0.0.6", detail: "unknown ca" },
      "10.0.0.7": { kind: "malformed", address: "10.0.0.7", detail: "odd" },
    };
    const list = ["10.0.0.10", "10.0.0.9", "10.0.0.7", "10.0.0.6", "10.0.0.5", "10.0.0.4", "10.0.0.3", "10.0.0.2", "10.0.0.1"];
    const r = await scan(list, tableProbe(table), opts(3));
    expect(r.peers.map((p) => p.address)).toEqual(["10.0.0.2", "10.0.0.3", "10.0.0.9", "10.0.0.10"]);
    expect(r.foreign.map((p) => p.kind)).toEqual(["tls-rejected", "foreign", "malformed"]);
    expect(r.summary).toEqual({ probed: 9, controlPlanes: 2, workers: 2, foreign: 2, unreachable: 2, malformed: 1 });
  });

  it("never runs more probes than the concurrency", async () => {
    let running = 0;
    let most = 0;
    const probe: ProbeFn = async (address) => {
      running++;
      most = Math.max(most, running);
      for (let i = 0; i < (address.length % 4) + 1; i++) await tick();
      running--;
      return { kind: "refused", address };
    };
    const r = await scan(range(500), probe, opts(7));
    expect(r.summary.probed).toBe(500);
    expect(most).toBe(7);
  });

  it("takes an address only when a probe slot is free (a /16 fed lazily)", async () => {
    let pulled = 0;
    let settled = 0;
    let ahead = 0;
    function* counted(it: Iterable<string>) {
      for (const a of it) {
        pulled++;
        ahead = Math.max(ahead, pulled - settled);
        yield a;
      }
    }
    const probe: ProbeFn = async (address) => {
      await tick();
      settled++;
      return { kind: "refused", address };
    };
    const all = targets({ prefixes: parsePrefixList("10.20.0.0/16"), peers: [], local: [] });
    const r = await scan(counted(all), probe, opts(16));
    expect(r.summary).toMatchObject({ probed: 65_534, unreachable: 65_534 });
    expect(ahead).toBeLessThanOrEqual(16);
  });

  it("records a probe that throws as malformed and goes on", async () => {
    const probe: ProbeFn = (address) => {
      if (address.endsWith(".1")) throw new Error("sync boom");
      if (address.endsWith(".2")) return Promise.reject(new Error("async boom"));
      return Promise.resolve({ kind: "refused", address });
    };
    const r = await scan(["10.0.0.1", "10.0.0.2", "10.0.0.3"], probe, opts(2));
    expect(r.summary).toEqual({ probed: 3, controlPlanes: 0, workers: 0, foreign: 0, unreachable: 1, malformed: 2 });
    expect(r.foreign).toEqual([
      { kind: "malformed", address: "10.0.0.1", detail: "probe threw: sync boom" },
      { kind: "malformed", address: "10.0.0.2", detail: "probe threw: async boom" },
    ]);
  });

  it("passes each probe its deadline as a signal", async () => {
    const seen: { timeoutMs: number; reason: string }[] = [];
    const probe: ProbeFn = (address, { signal, timeoutMs }) =>
      new Promise((resolve) => {
        signal.addEventListener("abort", () => {
          seen.push({ timeoutMs, reason: (signal.reason as Error).name });
          resolve({ kind: "timeout", address });
        });
      });
    const r = await scan(["10.0.0.1"], probe, { concurrency: 1, timeoutMs: 20, signal: never });
    expect(r.summary.unreachable).toBe(1);
    expect(seen).toEqual([{ timeoutMs: 20, reason: "TimeoutError" }]);
  });

  it("counts a probe that ignores its deadline as a timeout", async () => {
    const probe: ProbeFn = (address) =>
      address === "10.0.0.1" ? new Promise(() => {}) : Promise.resolve({ kind: "refused", address });
    const r = await scan(["10.0.0.1", "10.0.0.2"], probe, { concurrency: 2, timeoutMs: 10, signal: never });
    expect(r.summary).toMatchObject({ probed: 2, unreachable: 2 });
  });

  it("rejects with an AbortError on abort, starts nothing more and aborts running probes", async () => {
    const ac = new AbortController();
    const started: string[] = [];
    const probeSignals: AbortSignal[] = [];
    const probe: ProbeFn = (address, { signal }) => {
      started.push(address);
      probeSignals.push(signal);
      if (started.length === 4) ac.abort(new Error("stop"));
      return new Promise(() => {}); // ignores its signal: scan must not wait for it
    };
    const err = await scan(range(1_000), probe, { concurrency: 4, timeoutMs: 60_000, signal: ac.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe("AbortError");
    expect(((err as Error).cause as Error).message).toBe("stop");
    await tick();
    expect(started).toHaveLength(4);
    expect(probeSignals.every((s) => s.aborted)).toBe(true);
  });

  it("rejects at once when the signal is already aborted", async () => {
    const ac = new AbortController();
    ac.abort();
    let calls = 0;
    const probe: ProbeFn = async (address) => {
      calls++;
      return { kind: "refused", address };
    };
    await expect(scan(["10.0.0.1"], probe, opts(1, ac.signal))).rejects.toMatchObject({ name: "AbortError" });
    expect(calls).toBe(0);
  });

  it("rejects when the targets cannot be read", async () => {
    function* broken() {
      yield "10.0.0.1";
      throw new Error("bad target list");
    }
    await expect(scan(broken(), tableProbe({}), opts(2))).rejects.toThrow("bad target list");
  });

  it("refuses a concurrency below one", () => {
    expect(() => scan([], tableProbe({}), opts(0))).toThrow(RangeError);
  });
});

describe("scan() on loopback sockets", () => {
  /** listen binds host:port; resolves the port actually bound. */
  const listen = (server: Server, host: string, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host, port }, () => resolve((server.address() as AddressInfo).port));
    });

  /** A probe that only TCP-connects: a listener is a "control plane", a refusal is unreachable. */
  const tcpProbe =
    (port: number): ProbeFn =>
    (address, { signal, timeoutMs }) =>
      new Promise((resolve) => {
        const socket = connect({ host: address, port, signal, timeout: timeoutMs });
        socket.once("connect", () => {
          socket.destroy();
          resolve({ kind: "talos", address, machineType: "controlplane", bootTime: 0n });
        });
        socket.once("timeout", () => {
          socket.destroy();
          resolve({ kind: "timeout", address });
        });
        socket.once("error", (err: NodeJS.ErrnoException) =>
          resolve(err.code === "ECONNREFUSED" ? { kind: "refused", address } : { kind: "malformed", address, detail: err.message }),
        );
      });

  it("finds the listeners of a small loopback prefix", async () => {
    const servers: Server[] = [];
    const close = () => Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
    try {
      // The same free port on two addresses: retry in the rare case .3 has it taken.
      let port = 0;
      for (let attempt = 0; servers.length < 2 && attempt < 5; attempt++) {
        await close();
        servers.push(createServer((s) => s.destroy()), createServer((s) => s.destroy()));
        port = await listen(servers[0]!, "127.0.0.2", 0);
        await listen(servers[1]!, "127.0.0.3", port).catch(close);
      }
      expect(servers).toHaveLength(2);
      const plan = { prefixes: parsePrefixList("127.0.0.0/29"), peers: [], local: ["127.0.0.1"] };
      const r = await scan(targets(plan), tcpProbe(port), { concurrency: 2, timeoutMs: 5_000, signal: never });
      expect(r.peers.map((p) => p.address)).toEqual(["127.0.0.2", "127.0.0.3"]);
      expect(r.summary).toEqual({ probed: 5, controlPlanes: 2, workers: 0, foreign: 0, unreachable: 3, malformed: 0 });
    } finally {
      await close();
    }
  });
});
