// Many calls wait on one long-lived signal (the agent's stop signal: a pass
// with 7 control planes has 13 calls in flight on it). One EventTarget
// listener per call would pass Node's limit of 10 and print a
// MaxListenersExceededWarning; here every signal gets ONE listener, which
// runs the callbacks of all the calls waiting on it.

const waiting = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * callbacksOf returns the callbacks of `signal`, registering its one listener
 * the first time. A function of its own on purpose: the listener lives as
 * long as the signal (for ever, for the agent's stop signal), and a closure
 * made inside whenAborted would share its scope and keep the first caller's
 * call, with everything that call had received, alive that long.
 */
function callbacksOf(signal: AbortSignal): Set<() => void> {
  const known = waiting.get(signal);
  if (known !== undefined) return known;
  const created = new Set<() => void>();
  waiting.set(signal, created);
  signal.addEventListener(
    "abort",
    () => {
      waiting.delete(signal);
      for (const callback of created) callback();
      created.clear();
    },
    { once: true },
  );
  return created;
}

/**
 * whenAborted runs `fn` once when `signal` aborts, and returns the function
 * that cancels that. The signal is assumed not yet aborted.
 */
export function whenAborted(signal: AbortSignal, fn: () => void): () => void {
  const callbacks = callbacksOf(signal);
  // A fresh function per registration, so the same fn registered twice runs twice.
  const entry = (): void => fn();
  callbacks.add(entry);
  return () => void callbacks.delete(entry);
}
