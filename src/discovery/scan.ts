// Probing many addresses at once, a bounded number at a time.
//
// The targets are pulled one by one by `concurrency` workers instead of being
// handed to p-limit: p-limit queues every task it is given, so feeding it a
// /16 would hold 65 536 closures before the first probe returns. A pull-based
// pool has the same bound (at most `concurrency` probes in flight) and never
// takes an address from the iterator before a worker is free to probe it.
import { isControlPlane, type ProbeResult, type ScanSummary } from "../core/types.js";
import { compareAddresses } from "../core/address.js";

export type TalosPeer = Extract<ProbeResult, { kind: "talos" }>;

export interface ProbeCallOptions {
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
}

/** A probe of one address; src/discovery/probe.ts in production, fakes in tests. */
export type ProbeFn = (address: string, opts: ProbeCallOptions) => Promise<ProbeResult>;

export interface ScanOptions {
  /** Probes in flight at most. */
  readonly concurrency: number;
  /** Deadline of one probe. */
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

export interface ScanResult {
  /** Talos nodes of our cluster, by address (IPv4 first, numeric). */
  readonly peers: readonly TalosPeer[];
  /** Everything that answered but is not a peer: tls-rejected, foreign, malformed; by address. */
  readonly foreign: readonly ProbeResult[];
  readonly summary: ScanSummary;
}

/**
 * PROBE_GRACE_MS: how long past its deadline a probe that ignores its signal
 * is waited for before it counts as a timeout, so one stuck probe cannot
 * stall a scan.
 */
export const PROBE_GRACE_MS = 1_000;

/**
 * scan probes every target once. A probe that throws is recorded as
 * `malformed` and the scan goes on. When signal aborts, no new probe starts,
 * the running ones get the abort, and scan rejects at once with an AbortError
 * (its cause is signal.reason) without waiting for them.
 */
export function scan(targets: Iterable<string>, probe: ProbeFn, opts: ScanOptions): Promise<ScanResult> {
  const { concurrency, timeoutMs, signal } = opts;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new RangeError(`timeoutMs must be positive, got ${timeoutMs}`);
  if (signal.aborted) return Promise.reject(abortError(signal));

  // halt ends every running probe: on abort, or when the targets iterator throws.
  const halt = createHalt(concurrency);
  const iterator = targets[Symbol.iterator]();
  const tally = createTally();
  let exhausted = false;
  const next = (): string | null => {
    if (exhausted || halt.signal.aborted) return null;
    const r = iterator.next();
    if (r.done === true) exhausted = true;
    return r.done === true ? null : r.value;
  };
  // Worker i runs one probe at a time, so halt.running[i] is its probe's stop.
  const worker = async (_: unknown, i: number): Promise<void> => {
    for (let address = next(); address !== null; address = next()) {
      const result = await probeOne(probe, address, timeoutMs, halt, i);
      if (!halt.signal.aborted) tally.add(result);
    }
  };

  return new Promise<ScanResult>((resolve, reject) => {
    let settled = false;
    const finish = (error: unknown): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      if (!halt.signal.aborted) halt.abort();
      // Lets a generator run its finally blocks; a no-op once it is done.
      try {
        if (!exhausted) iterator.return?.();
      } catch {
        // The scan is over either way; what matters is the result below.
      }
      if (error !== undefined) return reject(error);
      try {
        resolve(tally.result());
      } catch (sortError) {
        reject(sortError); // a probe answered for an address that is not one
      }
    };
    const onAbort = (): void => finish(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    Promise.all(Array.from({ length: concurrency }, worker)).then(
      () => finish(undefined),
      (error: unknown) => finish(error ?? new Error("targets iterator failed")),
    );
  });
}

/**
 * Halt: the scan's own abort, with ONE listener that stops every running
 * probe. A listener per probe on the shared signal costs an EventTarget add
 * and remove per probe, and past 10 of them Node prints a
 * MaxListenersExceededWarning on every scan.
 */
interface Halt {
  readonly signal: AbortSignal;
  abort(): void;
  /** The stop of the probe each worker is running, by worker index; null when idle. */
  readonly running: ((() => void) | null)[];
}

function createHalt(concurrency: number): Halt {
  const controller = new AbortController();
  const running: Halt["running"] = Array.from({ length: concurrency }, () => null);
  controller.signal.addEventListener(
    "abort",
    () => {
      for (const stop of running) stop?.();
    },
    { once: true },
  );
  return { signal: controller.signal, abort: () => controller.abort(), running };
}

async function probeOne(probe: ProbeFn, address: string, timeoutMs: number, halt: Halt, slot: number): Promise<ProbeResult> {
  const own = new AbortController();
  let giveUp: (result: ProbeResult) => void = () => {};
  const late = new Promise<ProbeResult>((resolve) => (giveUp = resolve));
  const onHalt = (): void => {
    own.abort(halt.signal.reason);
    giveUp({ kind: "timeout", address }); // discarded: the scan is over
  };
  halt.running[slot] = onHalt;
  const deadline = setTimeout(() => own.abort(new DOMException("probe deadline passed", "TimeoutError")), timeoutMs);
  const backstop = setTimeout(() => giveUp({ kind: "timeout", address }), timeoutMs + PROBE_GRACE_MS);
  try {
    return await Promise.race([call(probe, address, { signal: own.signal, timeoutMs }), late]);
  } finally {
    clearTimeout(deadline);
    clearTimeout(backstop);
    halt.running[slot] = null;
  }
}

async function call(probe: ProbeFn, address: string, opts: ProbeCallOptions): Promise<ProbeResult> {
  try {
    return await probe(address, opts);
  } catch (error) {
    // A probe reports what it finds as a result; throwing is its own bug, and
    // must not cost the rest of the scan.
    return { kind: "malformed", address, detail: `probe threw: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** createTally counts as results arrive and keeps only the answers: a /16 of refusals costs no memory. */
function createTally(): { add(r: ProbeResult): void; result(): ScanResult } {
  const peers: TalosPeer[] = [];
  const foreign: ProbeResult[] = [];
  const counts = { probed: 0, controlPlanes: 0, workers: 0, foreign: 0, unreachable: 0, malformed: 0 };
  const add = (r: ProbeResult): void => {
    counts.probed++;
    switch (r.kind) {
      case "talos":
        peers.push(r);
        // "workers" counts every Talos node that is not a control plane, "unknown" type included.
        if (isControlPlane(r.machineType)) counts.controlPlanes++;
        else counts.workers++;
        break;
      case "refused":
      case "timeout":
        counts.unreachable++;
        break;
      case "tls-rejected":
      case "foreign":
        counts.foreign++;
        foreign.push(r);
        break;
      case "malformed":
        counts.malformed++;
        foreign.push(r);
        break;
      default: {
        const impossible: never = r;
        throw new Error(`unknown probe result ${JSON.stringify(impossible)}`);
      }
    }
  };
  const byAddress = (a: ProbeResult, b: ProbeResult) => compareAddresses(a.address, b.address);
  const result = (): ScanResult => ({ peers: peers.sort(byAddress), foreign: foreign.sort(byAddress), summary: { ...counts } });
  return { add, result };
}

function abortError(signal: AbortSignal): DOMException {
  return new DOMException("scan aborted", { name: "AbortError", cause: signal.reason });
}
