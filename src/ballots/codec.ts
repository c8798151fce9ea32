// A ballot file is read from peers, so it is untrusted input: decode it
// strictly and refuse anything odd rather than guess. Only the agent of the
// same cluster writes one; anything else is "unreadable", never a vote.
// The encoding is canonical (fixed key order, witnesses sorted by id), so a
// ballot survives encode → decode → encode byte for byte: the pair assertion
// every save makes before writing.
import { MAX_PEERS } from "../core/witness.js";
import type { Accepted, Ballot, BallotNumber, Nominee, Proposal, Witness } from "../core/types.js";
import { MAX_SETTING } from "../core/state.js";
import { accepted, ID, integer, match, number, proposal, record, SHA256, text, witness } from "./fields.js";

/** Where the ballot lives on every node; peers read it with MachineService/Read. */
export const BALLOT_DIR = "/var/lib/autobootstrap";
export const BALLOT_PATH = `${BALLOT_DIR}/ballot.json`;
/** 64 witnesses of ~600 bytes each, plus the rest, with room to spare. */
export const MAX_BALLOT_BYTES = 64 * 1024;

export function encodeBallot(b: Ballot): string {
  const peers: Record<string, unknown> = {};
  for (const id of Object.keys(b.peers).sort()) peers[id] = canonWitness(b.peers[id] as Witness);
  return `${JSON.stringify({
    version: b.version,
    id: b.id,
    machine: b.machine,
    cluster: { ca: b.cluster.ca, name: b.cluster.name, endpoint: b.cluster.endpoint },
    settings: { quorum: b.settings.quorum, controlPlanes: b.settings.controlPlanes },
    promised: canonNumber(b.promised),
    accepted: canonAccepted(b.accepted),
    proposal: canonProposal(b.proposal),
    bootstrapped: b.bootstrapped,
    peers,
  })}\n`;
}

/** decodeBallot returns the ballot, or throws an Error saying what is wrong. */
export function decodeBallot(bytes: Uint8Array | string): Ballot {
  if (bytes.length > MAX_BALLOT_BYTES) throw new Error(`ballot larger than ${MAX_BALLOT_BYTES} bytes`);
  const json = typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("utf8");
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error("ballot is not JSON");
  }
  const o = record(raw, "ballot");
  if (o.version !== 2) throw new Error(`ballot version ${String(o.version)} is not supported`);
  const cluster = record(o.cluster, "cluster");
  const settings = record(o.settings, "settings");
  if (typeof o.bootstrapped !== "boolean") throw new Error("bootstrapped must be true or false");
  const peers = record(o.peers, "peers");
  const ids = Object.keys(peers);
  if (ids.length > MAX_PEERS) throw new Error(`more than ${MAX_PEERS} peers`);
  const witnesses: Record<string, Witness> = {};
  for (const id of ids) witnesses[match(id, ID, "peers key")] = witness(peers[id], `peers.${id.slice(0, 8)}`);
  return {
    version: 2,
    id: match(o.id, ID, "id"),
    machine: match(o.machine, SHA256, "machine"),
    cluster: { ca: match(cluster.ca, SHA256, "cluster.ca"), name: text(cluster.name, "cluster.name"), endpoint: text(cluster.endpoint, "cluster.endpoint") },
    settings: {
      quorum: integer(settings.quorum, 1, MAX_SETTING, "settings.quorum"),
      controlPlanes: settings.controlPlanes === null ? null : integer(settings.controlPlanes, 1, MAX_SETTING, "settings.controlPlanes"),
    },
    promised: o.promised === null ? null : number(o.promised, "promised"),
    accepted: accepted(o.accepted, "accepted"),
    proposal: proposal(o.proposal, "proposal"),
    bootstrapped: o.bootstrapped,
    peers: witnesses,
  };
}

/**
 * encodeChecked is the pair assertion: the bytes we are about to write must
 * decode to this very ballot. A ballot we would refuse to read (a round
 * above MAX_ROUND, a field out of range) is a bug; writing it would make
 * every peer, and our own next start, refuse this node for good.
 */
export function encodeChecked(b: Ballot): string {
  const bytes = encodeBallot(b);
  let back: Ballot;
  try {
    back = decodeBallot(bytes);
  } catch (err) {
    throw new Error(`refusing to write a ballot this agent could not read back: ${(err as Error).message}`);
  }
  if (encodeBallot(back) !== bytes || Buffer.byteLength(bytes) > MAX_BALLOT_BYTES) {
    throw new Error("refusing to write a ballot that does not read back as itself");
  }
  return bytes;
}

const canonNumber = (n: BallotNumber | null): unknown => (n === null ? null : { round: n.round, id: n.id });
const canonNominee = (n: Nominee): unknown => ({ id: n.id, machine: n.machine, address: n.address });
const canonAccepted = (a: Accepted | null): unknown => (a === null ? null : { number: canonNumber(a.number), nominee: canonNominee(a.nominee) });
const canonProposal = (p: Proposal | null): unknown =>
  p === null ? null : p.phase === "prepare" ? { phase: p.phase, number: canonNumber(p.number) } : { phase: p.phase, number: canonNumber(p.number), nominee: canonNominee(p.nominee) };
const canonWitness = (w: Witness): unknown => ({ machine: w.machine, promised: canonNumber(w.promised), accepted: canonAccepted(w.accepted), proposal: canonProposal(w.proposal) });
