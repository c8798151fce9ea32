// SIGTERM and SIGINT stop the agent with exit code 143 at any moment. The
// handlers are installed when this module is evaluated: main.ts imports it
// first, so in the bundle it runs before any other module of ours or of our
// dependencies. Until then a signal would kill Node without an exit code.
//
// Stopping is always safe: the ballot file is written atomically and the
// protocol treats a stopped agent like a crashed one (docs/consent.md), so
// what a stop interrupts never needs to finish.

import { EXIT_STOPPED } from "./exit-codes.js";

export { EXIT_STOPPED };

/**
 * STOP_GRACE_MS: how long the agent may take to unwind after the first
 * signal. Every wait and call ends on the abort at once; this bounds anything
 * that does not (a read of STATE has its own 10 s deadline). Talos sends
 * SIGKILL only much later, so the exit code is still ours.
 */
export const STOP_GRACE_MS = 2_000;

const controller = new AbortController();
const listeners: ((signal: NodeJS.Signals) => void)[] = [];
let received: NodeJS.Signals | null = null;

function onSignal(signal: NodeJS.Signals): void {
  // A second signal: the operator insists.
  if (received !== null) process.exit(EXIT_STOPPED);
  received = signal;
  for (const listener of listeners) listener(signal);
  controller.abort(new Error(`stopped by ${signal}`));
  setTimeout(() => process.exit(EXIT_STOPPED), STOP_GRACE_MS).unref();
}

process.on("SIGTERM", onSignal);
process.on("SIGINT", onSignal);
// Named after the handlers exist: `ps` shows the agent by name, and a test
// can tell from /proc/<pid>/comm that a signal is now ours to handle (Node
// itself catches SIGTERM from the start, so SigCgt cannot tell).
process.title = "autobootstrap";

/** Aborted on the first SIGTERM or SIGINT. */
export const stopSignal: AbortSignal = controller.signal;

/** The signal that stopped the agent, or null. */
export const stoppedBy = (): NodeJS.Signals | null => received;

/** onStop runs `fn` when a signal arrives (e.g. to log it). */
export function onStop(fn: (signal: NodeJS.Signals) => void): void {
  listeners.push(fn);
}
