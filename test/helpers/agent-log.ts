// The agent logs JSON lines (pino); scenarios assert on them by message.
import { readFileSync } from "node:fs";

export type LogRecord = Readonly<Record<string, unknown>> & { readonly msg?: string };

/** logRecords parses every JSON line of a log file; other lines (a crash trace) are skipped. */
export function logRecords(file: string): LogRecord[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text.split("\n").flatMap((line) => {
    if (!line.startsWith("{")) return [];
    try {
      return [JSON.parse(line) as LogRecord];
    } catch {
      return [];
    }
  });
}

/** firstRecord: the first record with this msg, or undefined. */
export function firstRecord(file: string, msg: string): LogRecord | undefined {
  return logRecords(file).find((r) => r.msg === msg);
}
