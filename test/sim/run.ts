// runSeeds runs many seeds under one policy and sums them up for the table:
// split-brain seeds, other violations, liveness failures, and the heal →
// bootstrap / heal → all-exited latencies (virtual ms, and as a fraction of
// the stated bound, which is written in the configured intervals).
import { generate, type GenerateOptions } from "./generate.js";
import { simulate, type Outcome } from "./simulate.js";
import type { Policy } from "./world.js";

export interface Latency {
  readonly samples: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface Row {
  readonly policy: string;
  readonly family: string;
  readonly seeds: number;
  /** Seeds with two etcd clusters. */
  readonly splitBrain: number;
  /** Seeds where two nodes got a successful Bootstrap (split brain or not). */
  readonly doubleBootstrap: number;
  /** Of those, seeds where the quorum was outnumbered by the ballot ids ever written (the documented limit). */
  readonly explained: number;
  /** Seeds with other violations (exit without etcd, busy loop). */
  readonly otherViolations: number;
  readonly livenessFailures: number;
  /** Liveness failures explained by the documented limitation (dead nominee). */
  readonly limitations: number;
  /** Seeds where a guard refused to act (no Bootstrap, exit 1 with a reason). */
  readonly refused: number;
  readonly healToBootstrapMs: Latency;
  readonly healToDoneMs: Latency;
  /** heal → all exited, divided by the bound of its seed. */
  readonly doneOverBound: Latency;
  readonly wallMs: number;
  /** Seeds in which each rare path was taken at least once. */
  readonly coverage: Readonly<Record<string, number>>;
}

export interface Summary {
  readonly row: Row;
  /** The first failing outcomes (seed and reason), for printing. */
  readonly failures: readonly Outcome[];
}

export function runSeeds(policy: Policy, first: number, count: number, opts: GenerateOptions = {}, keep = 20): Summary {
  const t0 = performance.now();
  const boot: number[] = [];
  const done: number[] = [];
  const ratio: number[] = [];
  const failures: Outcome[] = [];
  let split = 0;
  let double = 0;
  let explained = 0;
  let other = 0;
  let live = 0;
  let limits = 0;
  let refused = 0;
  const coverage: Record<string, number> = {};
  for (let seed = first; seed < first + count; seed++) {
    const o = simulate(generate(seed, opts), policy);
    if (o.splitBrain) split += 1;
    if (o.doubleBootstrap) double += 1;
    if (o.doubleBootstrap && o.explained !== null) explained += 1;
    if (!o.splitBrain && !o.doubleBootstrap && o.violation !== null) other += 1;
    if (o.livenessFailure !== null) live += 1;
    if (o.limitation !== null) limits += 1;
    if (o.refused !== null) refused += 1;
    if ((o.violation !== null || o.livenessFailure !== null) && failures.length < keep) failures.push(o);
    for (const k of o.coverage.keys()) coverage[k] = (coverage[k] ?? 0) + 1;
    if (o.healToBootstrapMs !== null) boot.push(o.healToBootstrapMs);
    if (o.healToDoneMs !== null) {
      done.push(o.healToDoneMs);
      ratio.push(o.healToDoneMs / o.boundMs);
    }
  }
  const row: Row = {
    policy: policy.name,
    family: opts.family ?? "base",
    seeds: count,
    splitBrain: split,
    doubleBootstrap: double,
    explained,
    otherViolations: other,
    livenessFailures: live,
    limitations: limits,
    refused,
    healToBootstrapMs: latency(boot),
    healToDoneMs: latency(done),
    doneOverBound: latency(ratio),
    wallMs: Math.round(performance.now() - t0),
    coverage,
  };
  return { row, failures };
}

export function latency(xs: readonly number[]): Latency {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  return { samples: s.length, p50: at(0.5), p99: at(0.99), max: s[s.length - 1] ?? 0 };
}

export function table(rows: readonly Row[]): string {
  const head = ["family", "policy", "seeds", "split-brain clusters", "2 Bootstraps", "…quorum outnumbered", "other viol.", "liveness fail", "dead nominee", "refused", "heal→bootstrap p50/p99/max ms (n)", "heal→all exited p50/p99/max ms", "max ÷ bound", "wall ms"];
  const lines = rows.map((r) => [
    r.family,
    r.policy,
    String(r.seeds),
    String(r.splitBrain),
    String(r.doubleBootstrap),
    String(r.explained),
    String(r.otherViolations),
    String(r.livenessFailures),
    String(r.limitations),
    String(r.refused),
    `${r.healToBootstrapMs.p50}/${r.healToBootstrapMs.p99}/${r.healToBootstrapMs.max} (${r.healToBootstrapMs.samples})`,
    `${r.healToDoneMs.p50}/${r.healToDoneMs.p99}/${r.healToDoneMs.max}`,
    r.doneOverBound.max.toFixed(2),
    String(r.wallMs),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const fmt = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] as number)).join(" | ");
  return [fmt(head), widths.map((w) => "-".repeat(w)).join("-|-"), ...lines.map(fmt)].join("\n");
}
