// The machine a figure was measured on: every row carries it, because a
// number without its machine cannot be compared with anything.
import { cpus, release, totalmem } from "node:os";

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly kernel: string;
  readonly node: string;
  readonly memoryMiB: number;
}

export function machine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? "unknown",
    cores: list.length,
    kernel: release(),
    node: process.version,
    memoryMiB: Math.round(totalmem() / 2 ** 20),
  };
}
