// Probing one address of a scan: is a Talos node of OUR cluster answering on
// apid, and if so, what is it and when did it boot? Most addresses of a /24
// are dead or refuse, so those cost one TCP connect and nothing more.
import type { MachineType, ProbeResult } from "../core/types.js";
import type { ClientIdentity } from "../credentials/certs.js";
import { TalosError, type TalosErrorKind } from "../talos/errors.js";
import { handshake } from "../talos/handshake.js";
import type { TalosPool } from "../talos/pool.js";
import { secureContextFor, type TrustPems } from "../talos/tls.js";

export interface ProbeDeps {
  readonly pool: TalosPool;
  /** The os:reader identity: a probe never needs more. */
  readonly reader: ClientIdentity;
  readonly trust: TrustPems;
}

export interface ProbeOptions {
  readonly signal: AbortSignal;
  /** Deadline of the whole probe, connect included. */
  readonly timeoutMs: number;
}

function fromError(address: string, error: TalosError): ProbeResult {
  const detail = error.rawMessage;
  const kind: TalosErrorKind = error.kind;
  switch (kind) {
    case "refused":
      return { kind: "refused", address };
    case "timeout":
    case "canceled":
    case "unavailable":
      return { kind: "timeout", address };
    case "tls-rejected":
    case "foreign":
      return { kind, address, detail };
    case "permission-denied":
    case "not-found":
    case "already-exists":
    case "failed-precondition":
    case "unimplemented":
    case "invalid-argument":
    case "malformed":
    case "unknown":
      // TLS verified, so it is one of ours, but it does not answer as Talos does.
      return { kind: "malformed", address, detail: `${kind}: ${detail}` };
    default: {
      const impossible: never = kind;
      throw new Error(`unhandled error kind ${String(impossible)}`);
    }
  }
}

async function ask(address: string, deps: ProbeDeps, signal: AbortSignal, timeoutMs: number): Promise<ProbeResult> {
  const client = deps.pool.client(address, deps.reader, deps.trust);
  try {
    const opts = { signal, timeoutMs };
    const [machineType, stat]: [MachineType, { bootTime: bigint }] = await Promise.all([
      client.machineType(opts),
      client.systemStat(opts),
    ]);
    return { kind: "talos", address, machineType, bootTime: stat.bootTime };
  } catch (error) {
    // Only Talos nodes of our cluster keep a channel in the pool.
    client.close();
    throw error instanceof TalosError ? error : new TalosError("unknown", String(error), { cause: error });
  }
}

/**
 * probe never throws for what it finds at the address: every outcome is a
 * ProbeResult. A known peer (pooled channel) is asked directly; an unknown
 * address gets a hand-made handshake first, so failures are named exactly.
 */
export async function probe(address: string, deps: ProbeDeps, opts: ProbeOptions): Promise<ProbeResult> {
  const port = deps.pool.port;
  // Each step gets what is left of the probe's deadline as its own deadline,
  // so no per-probe timer signal is linked onto the caller's long-lived one.
  const deadline = Date.now() + opts.timeoutMs;
  const remaining = (): number => Math.max(1, deadline - Date.now());
  const signal = opts.signal;

  if (deps.pool.has(address, deps.reader)) {
    try {
      return await ask(address, deps, signal, remaining());
    } catch (error) {
      const talosError = error as TalosError;
      // A pooled peer that stopped answering (reboot, new cert) gets a fresh
      // look below rather than a vague verdict.
      if (talosError.kind !== "unavailable" || signal.aborted || Date.now() >= deadline) {
        return fromError(address, talosError);
      }
    }
  }

  const shake = await handshake(address, port, secureContextFor(deps.reader, deps.trust), { signal, timeoutMs: remaining() });
  switch (shake.kind) {
    case "ok":
      break;
    case "refused":
    case "timeout":
      return { kind: shake.kind, address };
    case "tls-rejected":
    case "foreign":
    case "malformed":
      return { kind: shake.kind, address, detail: shake.detail };
    default: {
      const impossible: never = shake;
      throw new Error(`unhandled handshake result ${JSON.stringify(impossible)}`);
    }
  }
  try {
    return await ask(address, deps, signal, remaining());
  } catch (error) {
    return fromError(address, error as TalosError);
  }
}
