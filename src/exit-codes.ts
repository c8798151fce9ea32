// The agent's exit codes, as the README states them. Pure constants: stop.ts
// imports this before anything else exists.

/** Done, or nothing to do (a worker, an init node, a cluster already bootstrapped). */
export const EXIT_DONE = 0;
/** Cannot go on: the log line before says why (credentials, Bootstrap refused, …). */
export const EXIT_CANNOT_GO_ON = 1;
/** Configuration refused: one line naming every bad variable. */
export const EXIT_CONFIG = 2;
/** Stopped by SIGTERM or SIGINT (128 + 15, as a shell reports it; SIGINT too). */
export const EXIT_STOPPED = 143;
