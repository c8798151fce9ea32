// TalosPort over the real Talos API: a reader certificate for everything a
// reader may do, the admin certificate only for Read (ballots) and Bootstrap.
// Every answer, including every failure, becomes a value; nothing throws.
import type { Config } from "../config/env.js";
import { BALLOT_PATH, decodeBallot, MAX_BALLOT_BYTES } from "../ballots/codec.js";
import type { EtcdEvidence, BallotRead } from "../core/types.js";
import type { MachineCa } from "../credentials/ca.js";
import { probe } from "../discovery/probe.js";
import type { Logger } from "../log.js";
import { TalosError } from "../talos/errors.js";
import { createTalosPool } from "../talos/pool.js";
import { createIdentities } from "./identities.js";
import type { BootstrapAnswer, TalosPort } from "./port.js";

/** Bootstrap waits up to 5 s for time sync inside Talos; leave room for it. */
const BOOTSTRAP_TIMEOUT_MS = 30_000;

export function createTalosPort(ca: MachineCa, config: Config, log: Logger): TalosPort {
  const pool = createTalosPool();
  const identities = createIdentities(ca, log);
  const trust = ca.trustPems;
  const timeoutMs = config.scanTimeoutMs;
  const client = async (address: string, role: "os:reader" | "os:admin") => pool.client(address, await identities(role), trust);

  return {
    async probe(address, signal) {
      return probe(address, { pool, reader: await identities("os:reader"), trust }, { signal, timeoutMs });
    },

    async etcd(address, signal): Promise<EtcdEvidence> {
      try {
        const services = await (await client(address, "os:reader")).serviceList({ signal, timeoutMs });
        const etcd = services.find((s) => s.id === "etcd");
        if (etcd === undefined) return { kind: "absent", state: "no etcd service" };
        return etcd.state === "Running" && etcd.healthy === true
          ? { kind: "running" }
          : { kind: "absent", state: etcd.state };
      } catch (err) {
        return { kind: "unknown", reason: describe(err) };
      }
    },

    async ballot(address, signal): Promise<BallotRead> {
      let bytes: Buffer;
      try {
        bytes = await (await client(address, "os:admin")).read(BALLOT_PATH, { signal, timeoutMs, maxBytes: MAX_BALLOT_BYTES });
      } catch (err) {
        if (err instanceof TalosError && err.kind === "not-found") return { kind: "missing" };
        return { kind: "unreadable", reason: describe(err) };
      }
      try {
        return { kind: "ok", ballot: decodeBallot(bytes) };
      } catch (err) {
        return { kind: "unreadable", reason: describe(err) };
      }
    },

    async bootstrap(address, signal): Promise<BootstrapAnswer> {
      try {
        await (await client(address, "os:admin")).bootstrap({ signal, timeoutMs: BOOTSTRAP_TIMEOUT_MS });
        return { kind: "ok" };
      } catch (err) {
        if (!(err instanceof TalosError)) return { kind: "retry", reason: describe(err) };
        switch (err.kind) {
          case "already-exists":
            return { kind: "already-exists" };
          // Not yet: time not in sync, CRI not up, apid restarting, a lost reply.
          case "failed-precondition":
          case "unavailable":
          case "timeout":
          case "canceled":
          case "refused":
          case "unknown":
          case "malformed":
            return { kind: "retry", reason: err.message };
          // Never on this node: not a control plane (≥1.13), etcd-less (≥1.14), our certificate refused.
          case "unimplemented":
          case "invalid-argument":
          case "permission-denied":
          case "tls-rejected":
          case "foreign":
          case "not-found":
            return { kind: "refused", reason: err.message };
          default: {
            const unreachable: never = err.kind;
            return { kind: "refused", reason: String(unreachable) };
          }
        }
      }
    },

    close() {
      pool.closeAll();
    },
  };
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
