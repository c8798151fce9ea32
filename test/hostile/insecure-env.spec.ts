// Verification never depends on the environment: with TLS verification
// turned off process-wide (as a misconfigured node or a debugging session
// might), a self-signed server is still "foreign", not a timeout or a peer.
// Its own file: the variable is process-wide, and vitest runs each file in a
// process of its own.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSelfSigned, type Peer } from "./peers.js";
import { against, failure, makeCluster, type Against } from "./world.js";

const VARIABLE = "NODE_TLS_REJECT_UNAUTHORIZED";
let peer: Peer;
let a: Against;

beforeAll(async () => {
  process.env[VARIABLE] = "0";
  peer = await startSelfSigned("127.0.0.2");
  a = against(await makeCluster(), peer);
});

afterAll(async () => {
  a.close();
  await peer.close();
  delete process.env[VARIABLE];
});

describe(`a self-signed server with ${VARIABLE}=0 in our environment`, () => {
  it("is foreign to the probe", async () => {
    const result = await a.probe(2_000);
    expect(result.kind).toBe("foreign");
    expect(a.pool.size).toBe(0);
  });

  it("is foreign to a Talos API call", async () => {
    const e = await failure(a.client("os:reader").systemStat({ signal: AbortSignal.timeout(30_000), timeoutMs: 2_000 }));
    expect(e.kind).toBe("foreign");
  });
});
