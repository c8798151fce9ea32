// The property a bootstrap run must have, read from what the agents logged:
// exactly one etcd cluster, founded by a control plane that was the best
// candidate (oldest boot, then lowest address as a number) among those it saw
// when it proposed. Who founds depends on timing (whose ballot a node had
// read when it proposed); this holds whatever the timing.
import { Address4, Address6 } from "ip-address";
import type { LogRecord } from "./agent-log.js";

/** One node as the test built it: the truth the agents' logs are checked against. */
export interface NodeTruth {
  readonly name: string;
  /** Every address it answers on. */
  readonly addresses: readonly string[];
  readonly bootTime: bigint;
  readonly controlPlane: boolean;
  /** Of this cluster (false: another cluster's CA; never a candidate). */
  readonly ours: boolean;
  /** Its agent's log ([] when no agent ran). */
  readonly records: readonly LogRecord[];
}

/** A proposal the node published, and the candidates it saw in that pass. */
export interface ProposalSeen {
  readonly round: number;
  /** Candidate addresses, as the agent logged them ("election"). */
  readonly candidates: readonly string[];
}

interface LoggedCandidate {
  readonly address: string;
}
interface LoggedProposal {
  readonly phase: string;
  readonly number: { readonly round: number; readonly id: string };
}

/**
 * proposalsOf lists every prepare a node published. Each pass logs "election"
 * (when its candidate set changed) before "consent" (when its ballot did), so
 * the last election before a new prepare is the field it proposed from.
 */
export function proposalsOf(records: readonly LogRecord[]): ProposalSeen[] {
  const out: ProposalSeen[] = [];
  let field: readonly string[] | null = null;
  let last = "";
  for (const r of records) {
    if (r.msg === "election") field = ((r["candidates"] ?? []) as LoggedCandidate[]).map((c) => c.address);
    if (r.msg !== "consent") continue;
    const p = r["proposal"] as LoggedProposal | null | undefined;
    if (p?.phase !== "prepare") continue;
    const key = `${p.number.round}/${p.number.id}`;
    if (key === last) continue;
    last = key;
    out.push({ round: p.number.round, candidates: field ?? [] });
  }
  return out;
}

function addressKey(a: string): [number, bigint] {
  if (Address4.isValid(a)) return [4, new Address4(a).bigInt()];
  if (Address6.isValid(a)) return [6, new Address6(a).bigInt()];
  throw new Error(`not an IP address: ${a}`);
}

/** The documented order of nominees: older boot first, then the lower address as a number (IPv4 before IPv6). */
export function better(a: { bootTime: bigint; address: string }, b: { bootTime: bigint; address: string }): boolean {
  if (a.bootTime !== b.bootTime) return a.bootTime < b.bootTime;
  const [fa, na] = addressKey(a.address);
  const [fb, nb] = addressKey(b.address);
  return fa !== fb ? fa < fb : na < nb;
}

/**
 * founderProblems says what is wrong with `founder` as the one node that
 * bootstrapped (empty: nothing). Checked for each of its proposals: it saw a
 * quorum of control planes it could name, and none of them was better.
 */
export function founderProblems(nodes: readonly NodeTruth[], founder: string, quorum: number): string[] {
  const byAddress = (a: string) => nodes.find((n) => n.addresses.includes(a));
  const f = nodes.find((n) => n.name === founder);
  if (f === undefined) return [`founder ${founder} is not a node of this test`];
  if (!f.controlPlane || !f.ours) return [`founder ${founder} is not a control plane of this cluster`];
  const seen = proposalsOf(f.records);
  if (seen.length === 0) return [`founder ${founder} never proposed (no "consent" record with a prepare)`];
  const problems: string[] = [];
  for (const p of seen) {
    const at = `${founder}'s proposal in round ${p.round}`;
    const cands = p.candidates.map((address) => ({ address, node: byAddress(address) }));
    if (cands.length < quorum) problems.push(`${at}: ${cands.length} candidates in view, quorum is ${quorum}`);
    const own = cands.find((c) => c.node === f);
    if (own === undefined) {
      problems.push(`${at}: it is not among its own candidates ${p.candidates.join(", ")}`);
      continue;
    }
    for (const c of cands) {
      if (c.node === undefined) problems.push(`${at}: candidate ${c.address} is no node of this test`);
      else if (!c.node.controlPlane || !c.node.ours) problems.push(`${at}: candidate ${c.node.name} is not a control plane of this cluster`);
      else if (c.node !== f && better({ bootTime: c.node.bootTime, address: c.address }, { bootTime: f.bootTime, address: own.address })) {
        problems.push(`${at}: ${c.node.name} (boot ${c.node.bootTime}, ${c.address}) was a better candidate in view`);
      }
    }
  }
  return problems;
}
