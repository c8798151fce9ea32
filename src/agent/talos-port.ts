// TalosPort over the real Talos API: one small handler per question
// (handlers/), a reader certificate for everything a reader may do, the admin
// certificate only for Read (ballots), Bootstrap and EtcdRecover. Certificates are renewed
// on use (identities.ts); every answer, every failure included, is a value.
import type { Config } from "../config/env.js";
import type { MachineCa } from "../credentials/ca.js";
import type { ClientRole } from "../credentials/certs.js";
import { probe } from "../discovery/probe.js";
import type { Logger } from "../log.js";
import { DEFAULT_UPLOAD_TIMEOUT_MS } from "../talos/etcd-recover.js";
import { createTalosPool } from "../talos/pool.js";
import { readAffiliates } from "./handlers/affiliates.js";
import { readBallot } from "./handlers/ballot.js";
import { callBootstrap } from "./handlers/bootstrap.js";
import { uploadSnapshot } from "./handlers/etcd-recover.js";
import { readEtcdData } from "./handlers/etcd-data.js";
import { readEtcd } from "./handlers/etcd.js";
import { readNodeId } from "./handlers/node-id.js";
import { createIdentities } from "./identities.js";
import type { TalosPort } from "./port.js";

/** Bootstrap waits up to 5 s for time sync inside Talos; leave room for it. */
const BOOTSTRAP_TIMEOUT_MS = 30_000;
/**
 * UPLOAD_MIN_BYTES_PER_MS: the slowest upload to our own apid we wait for
 * (4 MiB/s; it crosses no network), so an 8 GiB snapshot gets ~34 min and a
 * small one the client's default 10 min.
 */
const UPLOAD_MIN_BYTES_PER_MS = (4 * 1024 * 1024) / 1000;

export function createTalosPort(ca: MachineCa, config: Config, log: Logger): TalosPort {
  const pool = createTalosPool();
  const identities = createIdentities(ca, log);
  const trust = ca.trustPems;
  const timeoutMs = config.scanTimeoutMs;
  const as = (role: ClientRole, address: string) => async () => pool.client(address, await identities(role), trust);

  return {
    probe: async (address, signal) => probe(address, { pool, reader: await identities("os:reader"), trust }, { signal, timeoutMs }),
    etcd: (address, signal) => readEtcd(as("os:reader", address), { signal, timeoutMs }),
    etcdData: (address, signal) => readEtcdData(as("os:reader", address), { signal, timeoutMs }),
    ballot: (address, signal) => readBallot(as("os:admin", address), { signal, timeoutMs }),
    affiliates: (address, signal) => readAffiliates(as("os:reader", address), { signal, timeoutMs }),
    nodeId: (address, signal) => readNodeId(as("os:reader", address), { signal, timeoutMs }),
    bootstrap: (address, signal, recover) =>
      callBootstrap(as("os:admin", address), {
        signal,
        timeoutMs: BOOTSTRAP_TIMEOUT_MS,
        ...(recover === undefined ? {} : { recoverEtcd: true, recoverSkipHashCheck: recover.skipHashCheck }),
      }),
    etcdRecover: (address, chunks, bytes, signal) =>
      uploadSnapshot(as("os:admin", address), chunks, {
        signal,
        timeoutMs: Math.max(DEFAULT_UPLOAD_TIMEOUT_MS, Math.ceil(bytes / UPLOAD_MIN_BYTES_PER_MS)),
        maxBytes: bytes,
      }),
    close: () => pool.closeAll(),
  };
}
