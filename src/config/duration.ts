// Go-style durations ("1m30s", "500ms", "2h"), so ExtensionServiceConfigs
// written for the Go agent keep their meaning.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

/** parseDuration returns milliseconds, or throws with the reason. */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === "0") return 0;
  if (s === "") throw new Error("empty duration");
  let total = 0;
  let at = 0;
  PART.lastIndex = 0;
  while (at < s.length) {
    PART.lastIndex = at;
    const m = PART.exec(s);
    if (m === null) {
      throw new Error(`"${text}" is not a duration (use Go syntax, e.g. 30s, 1m30s, 500ms)`);
    }
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ""] ?? NaN);
    at = PART.lastIndex;
  }
  if (!Number.isFinite(total)) throw new Error(`"${text}" is out of range`);
  return Math.round(total);
}

/** formatDuration prints milliseconds the way the config takes them. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}
