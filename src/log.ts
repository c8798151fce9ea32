// Logs: pino JSON on stdout (what `talosctl logs ext-autobootstrap` shows).
// Messages are stable strings; details go in fields. Key material is never
// passed to the logger, and these paths are redacted in case it ever is.
import { pino, type Logger } from "pino";
import type { ConfigError, LogLevel } from "./config/env.js";
import { EXIT_CONFIG } from "./exit-codes.js";

export type { Logger };

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "ext-autobootstrap" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ["key", "keyPem", "caKeyPem", "*.key", "*.keyPem", "*.caKeyPem", "*.*.keyPem"],
        censor: "[redacted]",
      },
    },
    destination ?? pino.destination({ fd: 1, sync: true }),
  );
}

/** configurationRefused logs the one line of a configuration error and gives its exit code, 2. */
export function configurationRefused(log: Logger, err: ConfigError): typeof EXIT_CONFIG {
  log.fatal({ err: err.message }, "configuration refused");
  return EXIT_CONFIG;
}
