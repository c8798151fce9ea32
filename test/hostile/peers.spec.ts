// One case per hostile peer of issue 12, against the agent's own client and
// probe in this process: the verdict the agent reaches about that peer, and
// a bound on what the peer can make us hold (resident set growth). Bounds
// are on memory, never on time.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { BALLOT_PATH, MAX_BALLOT_BYTES } from "../../src/ballots/codec.js";
import { ADMIN_WINDOW_BYTES, MAX_EMPTY_CHUNKS, MAX_READ_BYTES, MAX_STREAM_MESSAGES } from "../../src/talos/limits.js";
import { reads, startGarbage, startPeer, startSilentTls, type Peer } from "./peers.js";
import { against, failure, makeCluster, measured, type Against, type Cluster } from "./world.js";

const HOST = "127.0.0.2";
/** What a hostile peer may make this process grow by, all cases: generous, and far below what one unbounded read cost. */
const MAX_GROWTH_MIB = 64;
const READS = 20;

let cluster: Cluster;
beforeAll(async () => {
  cluster = await makeCluster();
});

const open: (Peer | Against)[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await ("probe" in o ? o.close() : o.close());
});

async function peerWith(start: () => Promise<Peer>): Promise<Against> {
  const peer = await start();
  open.push(peer);
  const a = against(cluster, peer);
  open.push(a);
  return a;
}

/** READS ballot reads in a row, as the agent makes them every consent interval; each must fail. */
async function readBallots(a: Against) {
  return measured(async () => {
    const errors = [];
    for (let i = 0; i < READS; i++) {
      const read = a.client("os:admin").read(BALLOT_PATH, { signal: AbortSignal.timeout(30_000), timeoutMs: 2_000, maxBytes: MAX_BALLOT_BYTES });
      errors.push(await failure(read));
    }
    return errors;
  });
}

describe("a peer of our cluster whose Read behaves", () => {
  it("gets its largest ballot read whole through the admin channel's small window", async () => {
    const ballot = Buffer.alloc(MAX_BALLOT_BYTES, 0x61);
    const a = await peerWith(() => startPeer({ host: HOST, ca: cluster.ca, read: reads.serveBallot(ballot) }));
    const got = await a.client("os:admin").read(BALLOT_PATH, { signal: AbortSignal.timeout(30_000), timeoutMs: 5_000, maxBytes: MAX_BALLOT_BYTES });
    expect(got.equals(ballot)).toBe(true);
    expect(MAX_BALLOT_BYTES).toBeGreaterThan(ADMIN_WINDOW_BYTES);
  });
});

describe("a peer of our cluster whose Read misbehaves", () => {
  it("streaming endless empty chunks is malformed at once, and costs nothing", async () => {
    const a = await peerWith(() => startPeer({ host: HOST, ca: cluster.ca, read: reads.emptyChunks() }));
    expect((await a.probe()).kind).toBe("talos"); // only its Read misbehaves
    const { value: errors, rssGrowthMiB } = await readBallots(a);
    for (const e of errors) expect([e.kind, e.rawMessage]).toEqual(["malformed", `Read ${BALLOT_PATH}: more than ${MAX_EMPTY_CHUNKS} empty chunks`]);
    expect(rssGrowthMiB).toBeLessThan(MAX_GROWTH_MIB);
  });

  it("sending huge messages is refused from their length prefix", async () => {
    const a = await peerWith(() => startPeer({ host: HOST, ca: cluster.ca, read: reads.hugeMessages() }));
    const { value: errors, rssGrowthMiB } = await readBallots(a);
    for (const e of errors) {
      expect(e.kind).toBe("malformed");
      expect(e.rawMessage).toMatch(new RegExp(`larger than max \\(\\d+ vs ${MAX_READ_BYTES}\\)`));
    }
    expect(rssGrowthMiB).toBeLessThan(MAX_GROWTH_MIB);
  });

  it("sending endless one-byte chunks is refused at the message limit", async () => {
    const a = await peerWith(() => startPeer({ host: HOST, ca: cluster.ca, read: reads.manyMessages() }));
    const e = await failure(a.client("os:admin").read(BALLOT_PATH, { signal: AbortSignal.timeout(30_000), timeoutMs: 5_000, maxBytes: MAX_READ_BYTES }));
    expect([e.kind, e.rawMessage]).toEqual(["malformed", `more than ${MAX_STREAM_MESSAGES} reply messages`]);
  });
});

describe("a peer that breaks the protocol below the Talos API", () => {
  it("answering a unary call with a message above 1 MiB is malformed", async () => {
    const a = await peerWith(() =>
      startPeer({ host: HOST, ca: cluster.ca, unary: { "/machine.MachineService/SystemStat": () => Buffer.alloc(2 << 20) } }),
    );
    const { value: result, rssGrowthMiB } = await measured(() => a.probe(2_000));
    expect(result.kind).toBe("malformed");
    expect(JSON.stringify(result)).toMatch(/larger than max/);
    expect(rssGrowthMiB).toBeLessThan(MAX_GROWTH_MIB);
  });

  it("accepting TCP and never answering TLS is a timeout", async () => {
    const a = await peerWith(() => startSilentTls(HOST));
    expect((await a.probe(500)).kind).toBe("timeout");
    expect((await failure(a.client("os:reader").systemStat({ signal: AbortSignal.timeout(30_000), timeoutMs: 500 }))).kind).toBe("timeout");
    expect(a.pool.size).toBe(1); // the client() above; the probe pooled nothing
  });

  it("completing TLS and HTTP/2 and then hanging every stream is a timeout", async () => {
    const a = await peerWith(() => startPeer({ host: HOST, ca: cluster.ca, hang: true }));
    expect((await a.probe(500)).kind).toBe("timeout");
    expect(a.pool.size).toBe(0);
  });

  it("sending garbage on the apid port is malformed", async () => {
    const a = await peerWith(() => startGarbage(HOST));
    const result = await a.probe(1_000);
    expect(result.kind).toBe("malformed");
  });
});

describe("many calls at once on one signal", () => {
  // With 7 control planes a pass has 13 calls in flight on the agent's stop signal.
  it("print no MaxListenersExceededWarning", async () => {
    const a = await peerWith(() => startPeer({ host: HOST, ca: cluster.ca }));
    const stop = new AbortController();
    const { value: lists, warnings } = await measured(async () => {
      const all = Promise.all(Array.from({ length: 24 }, () => a.client("os:reader").serviceList({ signal: stop.signal, timeoutMs: 5_000 })));
      const out = await all;
      await new Promise((r) => setTimeout(r, 50)); // warnings are emitted on the next tick
      return out;
    });
    expect(lists).toHaveLength(24);
    expect(warnings.filter((w) => /MaxListeners/.test(w))).toEqual([]);
  });
});
