// Strict field readers for a ballot file: each one names the field it
// refuses, so a bad ballot gets one clear line. Every bound is named here.
import { MAX_ROUND } from "../core/ballot-number.js";
import type { Accepted, BallotNumber, Nominee, Proposal, Witness } from "../core/types.js";

/** Hex forms: a ballot id (128 bits), a SHA-256 (CA fingerprint, machine binding). */
export const ID = /^[0-9a-f]{32}$/;
export const SHA256 = /^[0-9a-f]{64}$/;
/** Cluster names and endpoints are short; printable ASCII only (no control bytes in logs). */
export const MAX_TEXT = 256;
const TEXT = /^[\x20-\x7e]+$/;
/** An IP address as text is at most 45 characters (IPv4-mapped IPv6). */
export const MAX_ADDRESS = 64;

export function record(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error(`${what} must be an object`);
  return v as Record<string, unknown>;
}

export function match(v: unknown, re: RegExp, what: string): string {
  if (typeof v !== "string" || !re.test(v)) throw new Error(`${what} is malformed`);
  return v;
}

export function text(v: unknown, what: string): string {
  if (typeof v !== "string" || v.length > MAX_TEXT || !TEXT.test(v)) throw new Error(`${what} must be 1–${MAX_TEXT} printable characters`);
  return v;
}

export function integer(v: unknown, min: number, max: number, what: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) throw new Error(`${what} must be an integer in [${min}, ${max}]`);
  return v;
}

export function number(v: unknown, what: string): BallotNumber {
  const n = record(v, what);
  return { round: integer(n.round, 1, MAX_ROUND, `${what}.round`), id: match(n.id, ID, `${what}.id`) };
}

export function nominee(v: unknown, what: string): Nominee {
  const n = record(v, what);
  if (typeof n.address !== "string" || n.address.length > MAX_ADDRESS) throw new Error(`${what}.address must be a string`);
  return { id: match(n.id, ID, `${what}.id`), machine: match(n.machine, SHA256, `${what}.machine`), address: n.address };
}

export function accepted(v: unknown, what: string): Accepted | null {
  if (v === null) return null;
  const a = record(v, what);
  return { number: number(a.number, `${what}.number`), nominee: nominee(a.nominee, `${what}.nominee`) };
}

export function proposal(v: unknown, what: string): Proposal | null {
  if (v === null) return null;
  const p = record(v, what);
  const n = number(p.number, `${what}.number`);
  if (p.phase === "prepare") return { phase: "prepare", number: n };
  if (p.phase === "accept") return { phase: "accept", number: n, nominee: nominee(p.nominee, `${what}.nominee`) };
  throw new Error(`${what}.phase must be prepare or accept`);
}

export function witness(v: unknown, what: string): Witness {
  const w = record(v, what);
  return {
    machine: match(w.machine, SHA256, `${what}.machine`),
    promised: w.promised === null ? null : number(w.promised, `${what}.promised`),
    accepted: accepted(w.accepted, `${what}.accepted`),
    proposal: proposal(w.proposal, `${what}.proposal`),
  };
}
