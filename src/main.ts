// Entry point: environment → configuration → run(signal) → exit code.
// `--version` prints the version; `--dry-run` does one observation pass,
// prints who would be nominated, and writes and calls nothing.
//
// Exit codes: 0 done (or nothing to do), 1 cannot go on, 2 configuration
// refused (one line, before anything else), 143 stopped by SIGTERM or SIGINT.
//
// stop.js comes first on purpose: its signal handlers must exist before any
// other module is evaluated (see there).
import { EXIT_STOPPED, onStop, stopSignal, stoppedBy } from "./stop.js";
import { ConfigError, loadConfig } from "./config/env.js";
import { DISABLED, isDisabled } from "./config/off-switch.js";
import { configurationRefused, createLogger } from "./log.js";
import { run } from "./agent/run.js";

declare const __VERSION__: string;
export const VERSION = typeof __VERSION__ === "string" ? __VERSION__ : "dev";

// grpc-js passes the dialed IP as the TLS server name, which Node flags as
// DEP0123 on every start; the IP is checked against the certificate's IP SANs
// by our own checkServerIdentity, so the warning is noise in `talosctl logs`.
process.noDeprecation = true;

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes("--version")) {
    process.stdout.write(`talos-autobootstrap ${VERSION}\n`);
    return 0;
  }
  const unknown = argv.filter((a) => a !== "--dry-run");
  if (unknown.length > 0) {
    process.stderr.write(`unknown argument ${unknown[0]}; usage: autobootstrap [--version] [--dry-run]\n`);
    return 2;
  }
  let config;
  try {
    // The off switch comes first: a disabled agent reads nothing else, not
    // even its other variables, and touches neither STATE nor the network.
    if (isDisabled(process.env)) {
      createLogger("info").info({ variable: DISABLED }, "disabled: nothing to do");
      return 0;
    }
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return configurationRefused(createLogger("info"), err);
  }
  const log = createLogger(config.logLevel);
  onStop((signal) => log.info({ signal }, "stopping"));
  return run(config, { log, signal: stopSignal, dryRun: argv.includes("--dry-run"), version: VERSION, env: process.env });
}

/**
 * fail ends the agent on anything thrown that run did not turn into an exit
 * code. After a signal that is 143, whatever was interrupted; otherwise it is
 * a bug of ours: one line, with the stack as a field, and 1.
 */
function fail(err: unknown): never {
  if (stoppedBy() !== null) process.exit(EXIT_STOPPED);
  const e = err instanceof Error ? err : new Error(String(err));
  createLogger("info").fatal({ err: e.message, name: e.name, stack: e.stack }, "fatal error");
  process.exit(1);
}

process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);
main(process.argv.slice(2)).then((code) => process.exit(stoppedBy() !== null ? EXIT_STOPPED : code), fail);
