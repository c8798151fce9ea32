// One row per figure: what was measured, against what limit or target, how,
// and on which machine. printed as one table, written as JSON.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Machine } from "./machine.js";

export type Verdict = "ok" | "miss" | "info" | "skipped";

export interface Row {
  /** "1a", "2b"…: the task's row number and a letter per variant. */
  readonly id: string;
  readonly metric: string;
  /** The setup in a few words (prefix, k/r/d, C, T, intervals). */
  readonly config: string;
  /** The figure, in `unit`; null when skipped. */
  readonly value: number | null;
  readonly unit: string;
  /** The figure as shown in the table. */
  readonly shown: string;
  /** The limit or target it is compared with, as shown; "" for none. */
  readonly against: string;
  /** value / limit, when there is a limit. */
  readonly ratio: number | null;
  readonly verdict: Verdict;
  readonly method: string;
  readonly machine: Machine;
  /** Raw samples and anything else worth keeping. */
  readonly detail?: Readonly<Record<string, unknown>>;
}

const COLUMNS: readonly { title: string; get: (r: Row) => string }[] = [
  { title: "#", get: (r) => r.id },
  { title: "metric", get: (r) => r.metric },
  { title: "config", get: (r) => r.config },
  { title: "measured", get: (r) => r.shown },
  { title: "limit / target", get: (r) => r.against },
  { title: "ratio", get: (r) => (r.ratio === null ? "" : r.ratio.toFixed(2)) },
  { title: "verdict", get: (r) => r.verdict },
];

/** renderTable: a Markdown table, readable in a terminal and pasteable into docs. */
export function renderTable(rows: readonly Row[]): string {
  const cells = rows.map((r) => COLUMNS.map((c) => c.get(r).replaceAll("|", "/")));
  const widths = COLUMNS.map((c, i) => Math.max(c.title.length, ...cells.map((row) => (row[i] ?? "").length)));
  const line = (xs: readonly string[]) => `| ${xs.map((x, i) => x.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(COLUMNS.map((c) => c.title)), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

export function writeJson(path: string, rows: readonly Row[], extra: Readonly<Record<string, unknown>>): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify({ ...extra, rows }, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n");
}
