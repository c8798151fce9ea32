// The TalosPort's handlers over a fake TalosClient: every outcome is a value.
import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { readBallot } from "../../../src/agent/handlers/ballot.js";
import { callBootstrap } from "../../../src/agent/handlers/bootstrap.js";
import { readEtcd } from "../../../src/agent/handlers/etcd.js";
import { encodeBallot } from "../../../src/ballots/codec.js";
import type { ServiceStatus, TalosClient } from "../../../src/talos/client.js";
import { TalosError, toTalosError } from "../../../src/talos/errors.js";
import { ballot } from "../core/fixtures.js";

const opts = { signal: new AbortController().signal, timeoutMs: 1000 };
const grpc = (code: number, details: string) => toTalosError(Object.assign(new Error(details), { code, details }));

function client(over: Partial<TalosClient>) {
  const none = () => Promise.reject(new Error("not scripted"));
  const c: TalosClient = {
    systemStat: none,
    machineType: none,
    getResource: none,
    serviceList: none,
    listDir: none,
    read: none,
    bootstrap: none,
    listResources: none,
    etcdRecover: none,
    close: () => undefined,
    serverKey: () => "k1",
    ...over,
  };
  return async () => c;
}
const services = (...list: ServiceStatus[]) => client({ serviceList: async () => list });

describe("readEtcd()", () => {
  it("is running only when the etcd service is Running and healthy", async () => {
    expect(await readEtcd(services({ id: "etcd", state: "Running", healthy: true }), opts)).toEqual({ kind: "running" });
    expect(await readEtcd(services({ id: "etcd", state: "Running", healthy: null }), opts)).toEqual({ kind: "absent", state: "Running" });
    expect(await readEtcd(services({ id: "etcd", state: "Preparing", healthy: null }), opts)).toEqual({ kind: "absent", state: "Preparing" });
    expect(await readEtcd(services({ id: "apid", state: "Running", healthy: true }), opts)).toEqual({ kind: "absent", state: "no etcd service" });
  });

  it("turns any failure into unknown, never absent", async () => {
    const r = await readEtcd(client({ serviceList: () => Promise.reject(grpc(status.UNAVAILABLE, "connection reset")) }), opts);
    expect(r.kind).toBe("unknown");
    expect((await readEtcd(async () => Promise.reject(new Error("mint failed")), opts)).kind).toBe("unknown");
  });
});

describe("readBallot()", () => {
  const b = ballot(10);

  it("decodes a ballot file; no file is missing; each names the server key it came over", async () => {
    expect(await readBallot(client({ read: async () => Buffer.from(encodeBallot(b)) }), opts)).toEqual({ read: { kind: "ok", ballot: b }, serverKey: "k1" });
    expect(await readBallot(client({ read: () => Promise.reject(grpc(status.NOT_FOUND, "no such file")) }), opts)).toEqual({ read: { kind: "missing" }, serverKey: "k1" });
  });

  it("calls garbage and refusals unreadable", async () => {
    expect((await readBallot(client({ read: async () => Buffer.from("{not json") }), opts)).read.kind).toBe("unreadable");
    expect((await readBallot(client({ read: () => Promise.reject(grpc(status.PERMISSION_DENIED, "not authorized")) }), opts)).read.kind).toBe("unreadable");
  });

  it("has no server key when no handshake completed, or no client could be made", async () => {
    const noKey = await readBallot(client({ read: () => Promise.reject(grpc(status.UNAVAILABLE, "connect refused")), serverKey: () => null }), opts);
    expect(noKey).toEqual({ read: { kind: "unreadable", reason: expect.any(String) }, serverKey: null });
    const noClient = await readBallot(() => Promise.reject(new Error("identity not ready")), opts);
    expect(noClient.serverKey).toBeNull();
  });
});

describe("callBootstrap()", () => {
  const answer = (e: unknown) => callBootstrap(client({ bootstrap: () => Promise.reject(e) }), opts);

  it("classifies through the core's table", async () => {
    expect(await callBootstrap(client({ bootstrap: async () => undefined }), opts)).toEqual({ kind: "ok" });
    expect((await answer(grpc(status.ALREADY_EXISTS, "etcd data directory is not empty"))).kind).toBe("already-exists");
    expect((await answer(grpc(status.FAILED_PRECONDITION, "time is not in sync yet"))).kind).toBe("retry");
    expect(await answer(grpc(status.INVALID_ARGUMENT, "etcd is not configured, bootstrap is not possible"))).toEqual({
      kind: "refused",
      reason: "invalid-argument: etcd is not configured, bootstrap is not possible",
    });
  });

  it("retries a canceled or lost call: it may have worked, the next pass sees", async () => {
    expect((await answer(new DOMException("aborted", "AbortError"))).kind).toBe("retry");
    expect((await answer(new TalosError("timeout", "deadline exceeded"))).kind).toBe("retry");
  });
});
