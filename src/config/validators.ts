// envalid validators for our variables: each turns the raw text into the
// value the agent uses or throws with the reason, and the reporter in env.ts
// puts the variable's name in front of it.
import { makeValidator } from "envalid";
import { parseAddressList, parsePrefixList } from "../discovery/prefixes.js";
import { formatDuration, parseDuration } from "./duration.js";

/**
 * MAX_TIMER_MS: Node's timers take at most 2^31−1 ms (~24.8 days); a longer
 * delay fires after 1 ms instead, so every duration's bound stays below it.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A Go-style duration within [minMs, maxMs]. */
export const duration = (minMs: number, maxMs: number) => {
  if (maxMs > MAX_TIMER_MS) throw new RangeError(`duration bound ${maxMs} ms is beyond Node's timers`);
  return makeValidator<number>((raw) => {
    const ms = parseDuration(raw);
    if (ms < minMs || ms > maxMs) {
      throw new Error(`must be between ${formatDuration(minMs)} and ${formatDuration(maxMs)}, got "${raw.trim()}"`);
    }
    return ms;
  });
};

/** A whole number within [min, max]. */
export const int = (min: number, max: number) =>
  makeValidator<number>((raw) => {
    if (!/^\s*\d{1,15}\s*$/.test(raw)) throw new Error(`must be a whole number, got "${raw.trim()}"`);
    const n = Number(raw);
    if (n < min || n > max) throw new Error(`must be between ${min} and ${max}, got ${n}`);
    return n;
  });

const entries = (raw: string): string[] => raw.split(",").map((s) => s.trim()).filter((s) => s !== "");

/** Comma-separated IP prefixes (SCAN_CIDR), each checked by the scan's own parser. */
export const prefixList = makeValidator<string[]>((raw) => {
  parsePrefixList(raw);
  return entries(raw);
});

/** Comma-separated IP addresses (PEERS), canonical and deduplicated. */
export const addressList = makeValidator<string[]>((raw) => parseAddressList(raw));

/** One IP address, canonical, not the unspecified one; "" when unset. */
export const address = makeValidator<string>((raw) => {
  if (raw.trim() === "") return "";
  if (raw.includes(",")) throw new Error(`must be one address, got "${raw.trim()}"`);
  return parseAddressList(raw)[0] ?? "";
});
