// Every call a fake node saw, and every client it refused at the handshake:
// in memory for assertions, and as JSON lines in logFile so a failing
// network-namespace test can keep the evidence.
import { appendFileSync } from "node:fs";

export type CallRecord =
  | {
      readonly kind: "call";
      readonly at: string;
      /** gRPC path, e.g. /machine.MachineService/Bootstrap. */
      readonly method: string;
      readonly roles: readonly string[];
      /** SHA-256 of the caller's leaf certificate. */
      readonly fingerprint: string;
      readonly code: number;
      readonly message: string;
    }
  | { readonly kind: "handshake-refused"; readonly at: string; readonly remote: string; readonly reason: string };

export interface CallLog {
  readonly records: readonly CallRecord[];
  add(record: CallRecord): void;
}

export function createCallLog(logFile: string | undefined): CallLog {
  const records: CallRecord[] = [];
  return {
    records,
    add(record) {
      records.push(record);
      // Synchronous so lines survive a SIGKILL right after the call, in order.
      if (logFile !== undefined) appendFileSync(logFile, JSON.stringify(record) + "\n");
    },
  };
}
