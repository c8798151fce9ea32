// Entry point: environment → configuration → run(signal) → exit code.
// `--version` prints the version; `--dry-run` does one observation pass,
// prints who would be nominated, and writes and calls nothing.
import { ConfigError, loadConfig } from "./config/env.js";
import { DISABLED, isDisabled } from "./config/off-switch.js";
import { createLogger } from "./log.js";
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
    createLogger("info").fatal({ err: err.message }, "configuration refused");
    return 2;
  }
  const log = createLogger(config.logLevel);
  const stop = new AbortController();
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    process.once(sig, () => {
      log.info({ signal: sig }, "stopping");
      stop.abort();
    });
  }
  return run(config, { log, signal: stop.signal, dryRun: argv.includes("--dry-run"), version: VERSION });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
