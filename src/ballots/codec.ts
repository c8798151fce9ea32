// A ballot file is read from peers, so it is untrusted input: decode it
// strictly and refuse anything odd rather than guess. Only the agent of the
// same cluster writes one; anything else is "unreadable", never a vote.
import type { Ballot, BallotNumber, Nominee, Proposal } from "../core/types.js";

/** Where the ballot lives on every node; peers read it with MachineService/Read. */
export const BALLOT_DIR = "/var/lib/autobootstrap";
export const BALLOT_PATH = `${BALLOT_DIR}/ballot.json`;
export const MAX_BALLOT_BYTES = 4096;

const ID = /^[0-9a-f]{32}$/;
const CLUSTER = /^[0-9a-f]{64}$/;

export function encodeBallot(b: Ballot): string {
  return `${JSON.stringify(b)}\n`;
}

/** decodeBallot returns the ballot, or throws an Error saying what is wrong. */
export function decodeBallot(bytes: Uint8Array | string): Ballot {
  if (bytes.length > MAX_BALLOT_BYTES) throw new Error(`ballot larger than ${MAX_BALLOT_BYTES} bytes`);
  const text = typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("utf8");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error("ballot is not JSON");
  }
  const o = record(raw, "ballot");
  if (o.version !== 1) throw new Error(`ballot version ${String(o.version)} is not supported`);
  return {
    version: 1,
    id: match(o.id, ID, "id"),
    cluster: match(o.cluster, CLUSTER, "cluster"),
    promised: o.promised === null ? null : number(o.promised, "promised"),
    accepted:
      o.accepted === null
        ? null
        : (() => {
            const a = record(o.accepted, "accepted");
            return { number: number(a.number, "accepted.number"), nominee: nominee(a.nominee, "accepted.nominee") };
          })(),
    proposal: o.proposal === null ? null : proposal(o.proposal),
  };
}

function proposal(v: unknown): Proposal {
  const p = record(v, "proposal");
  const n = number(p.number, "proposal.number");
  if (p.phase === "prepare") return { phase: "prepare", number: n };
  if (p.phase === "accept") return { phase: "accept", number: n, nominee: nominee(p.nominee, "proposal.nominee") };
  throw new Error("proposal.phase must be prepare or accept");
}

function number(v: unknown, what: string): BallotNumber {
  const n = record(v, what);
  if (typeof n.round !== "number" || !Number.isSafeInteger(n.round) || n.round < 1) {
    throw new Error(`${what}.round must be a positive integer`);
  }
  return { round: n.round, id: match(n.id, ID, `${what}.id`) };
}

function nominee(v: unknown, what: string): Nominee {
  const n = record(v, what);
  if (typeof n.address !== "string" || n.address.length > 64) throw new Error(`${what}.address must be a string`);
  return { id: match(n.id, ID, `${what}.id`), address: n.address };
}

function record(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error(`${what} must be an object`);
  return v as Record<string, unknown>;
}

function match(v: unknown, re: RegExp, what: string): string {
  if (typeof v !== "string" || !re.test(v)) throw new Error(`${what} is malformed`);
  return v;
}
