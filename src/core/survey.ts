// survey sorts what one pass read into acceptors and everything else, and
// finds what must stop the agent. The acceptors of the decision are the
// control planes whose ballot names our cluster (CA, name and endpoint), each
// counted once per ballot id *and* once per server key: a host cannot
// multiply itself by answering on several addresses with several ids.
import { compareAddresses } from "./address.js";
import { numberKey, sameNominee } from "./ballot-number.js";
import { hostCount } from "./hosts.js";
import { witnessOf } from "./witness.js";
import type { Ballot, ClusterIdentity, Nominee, BallotNumber, PeerView, Settings, View, Witness } from "./types.js";

export interface Acceptor {
  readonly id: string;
  readonly address: string;
  readonly bootTime: bigint;
  readonly ballot: Ballot;
}

/** Whose read this is: an acceptor's or an agent-less control plane's (ours), another cluster's, unsure, or our own. */
export type Whose = "ours" | "foreign" | "doubt" | "self";

export interface Read {
  readonly peer: PeerView;
  readonly whose: Whose;
  readonly why?: string;
}

export interface Survey {
  /** One per ballot id (at its lowest address), self excluded. */
  readonly acceptors: readonly Acceptor[];
  readonly reads: readonly Read[];
  /** Our own register as our apid and our peers' witnesses showed it. */
  readonly ofUs: readonly Witness[];
  /** Reasons to stop the agent: each one means a guarantee no longer holds. */
  readonly halts: readonly string[];
  /**
   * Acceptors whose consent settings differ from ours: also a reason to stop,
   * but only once our own ballot (with our settings) is published, so that
   * they stop too (agent.ts).
   */
  readonly mismatches: readonly string[];
  /** Reads not counted this pass, with why (logged as errors). */
  readonly refusals: readonly string[];
  /** Distinct control planes of our cluster in view with a ballot, self included. */
  readonly hosts: number;
  /** Distinct peers whose register answered: an acceptor's ballot, or none yet. */
  readonly answered: number;
  /** Peers in view whose register could not be read or was refused. */
  readonly unanswered: number;
}

export const sameCluster = (a: ClusterIdentity, b: ClusterIdentity): boolean =>
  a.ca === b.ca && a.name === b.name && a.endpoint === b.endpoint;

export const sameSettings = (a: Settings, b: Settings): boolean => a.quorum === b.quorum && a.controlPlanes === b.controlPlanes;

export const showSettings = (s: Settings): string => `QUORUM_NODES=${s.quorum} CONTROL_PLANES=${s.controlPlanes ?? "unset"}`;

/** survey classifies one pass; `settings` are this agent's own, which every acceptor must share. */
export function survey(view: View, own: Ballot, settings: Settings): Survey {
  const home = new Set([view.self.address, ...view.self.addresses]);
  const halts: string[] = [];
  const refusals: string[] = [];
  const reads: Read[] = [];
  const ofUs: Witness[] = [];
  if (view.self.ballot.kind === "ok" && view.self.ballot.ballot.id === own.id) ofUs.push(witnessOf(view.self.ballot.ballot));
  const pending: { peer: PeerView; ballot: Ballot }[] = [];
  for (const peer of view.peers) {
    // A read at one of our own addresses is our own file: ours, a stale one, or none yet.
    const ballot = peer.ballot.kind === "ok" ? peer.ballot.ballot : null;
    // Our id elsewhere is a clone only when the keys prove another host: with
    // a key unknown it may be us behind NAT (a PEERS entry), and then only a
    // state we never wrote (checkOfUs) tells a clone apart.
    const sameHost = peer.serverKey === null || view.self.serverKey === null || peer.serverKey === view.self.serverKey;
    if (home.has(peer.address) || (sameHost && ballot?.id === own.id)) {
      if (ballot?.id === own.id) ofUs.push(witnessOf(ballot));
      reads.push({ peer, whose: "self" });
    } else if (ballot === null) {
      const why = peer.ballot.kind === "unreadable" ? peer.ballot.reason : undefined;
      reads.push(why === undefined ? { peer, whose: "ours" } : { peer, whose: "doubt", why });
    } else if (!sameCluster(ballot.cluster, own.cluster)) {
      reads.push({ peer, whose: "foreign" });
    } else if (ballot.id === own.id || ballot.machine === own.machine) {
      const what = ballot.id === own.id ? `our ballot id ${own.id}` : `a ballot (id ${ballot.id}) bound to this machine`;
      halts.push(`${what} is also served at ${peer.address}: a cloned machine or a copied disk; stop the copy and remove its /var/lib/autobootstrap`);
      reads.push({ peer, whose: "doubt", why: "clone" });
    } else {
      pending.push({ peer, ballot });
    }
  }
  const refused = keyRules(pending, view.self.serverKey, refusals);
  const byId = new Map<string, Acceptor>();
  for (const { peer, ballot } of pending) {
    const why = refused.get(ballot.id);
    reads.push(why === undefined ? { peer, whose: "ours" } : { peer, whose: "doubt", why });
    if (why !== undefined) continue;
    for (const [id, w] of Object.entries(ballot.peers)) if (id === own.id) ofUs.push(w);
    const seen = byId.get(ballot.id);
    if (seen === undefined || compareAddresses(peer.address, seen.address) < 0) {
      byId.set(ballot.id, { id: ballot.id, address: peer.address, bootTime: peer.bootTime, ballot });
    }
  }
  const acceptors = [...byId.values()];
  const mismatches: string[] = [];
  for (const a of acceptors) {
    if (!sameSettings(a.ballot.settings, settings)) {
      mismatches.push(`consent settings differ: this node has ${showSettings(settings)}, the node at ${a.address} (ballot ${a.id}) has ${showSettings(a.ballot.settings)}; set the same values on every control plane`);
    }
  }
  const conflict = conflicts([own, ...acceptors.map((a) => a.ballot)], ofUs);
  if (conflict !== null) halts.push(conflict);
  // Hosts that vote, or would: ballots of our cluster, refused ones included. A
  // control plane with no ballot yet is counted once its agent publishes one.
  const counted = reads.filter((r) => r.peer.ballot.kind === "ok" && (r.whose === "ours" || (r.whose === "doubt" && r.why !== undefined)));
  const answered = reads.filter((r) => r.whose === "ours");
  const selfItems = [own.id, view.self.serverKey ?? "", ...[...home].map((a) => `@${a}`)].filter((x) => x !== "");
  return {
    acceptors,
    reads,
    ofUs,
    halts,
    mismatches,
    refusals,
    hosts: hostCount([selfItems, ...counted.map(hostItems)]),
    answered: hostCount(answered.map(hostItems)),
    unanswered: new Set(reads.filter((r) => r.whose === "doubt").map((r) => r.peer.address)).size,
  };
}

/** What identifies the host behind one read: its key, its ballot id, else its address. */
function hostItems(r: Read): string[] {
  const items: string[] = [];
  if (r.peer.serverKey !== null) items.push(r.peer.serverKey);
  if (r.peer.ballot.kind === "ok") items.push(r.peer.ballot.ballot.id);
  if (items.length === 0) items.push(`@${r.peer.address}`);
  return items;
}

/**
 * keyRules refuses, for this pass, every ballot id that shares a server key
 * with another id (one host posing as several acceptors), that shows two keys
 * (two hosts behind one id), or that sits behind our own key.
 */
function keyRules(pending: readonly { peer: PeerView; ballot: Ballot }[], ownKey: string | null, refusals: string[]): Map<string, string> {
  const idsByKey = new Map<string, Set<string>>();
  const keysById = new Map<string, Set<string>>();
  for (const { peer, ballot } of pending) {
    if (peer.serverKey === null) continue;
    (idsByKey.get(peer.serverKey) ?? idsByKey.set(peer.serverKey, new Set()).get(peer.serverKey))?.add(ballot.id);
    (keysById.get(ballot.id) ?? keysById.set(ballot.id, new Set()).get(ballot.id))?.add(peer.serverKey);
  }
  const refused = new Map<string, string>();
  const refuse = (id: string, why: string): void => {
    if (!refused.has(id)) refusals.push(`ballot id ${id} not counted: ${why}`);
    refused.set(id, why);
  };
  for (const [key, ids] of idsByKey) {
    if (key === ownKey) for (const id of ids) refuse(id, `served with this node's own certificate key ${key.slice(0, 16)}…`);
    else if (ids.size > 1) for (const id of ids) refuse(id, `one server key ${key.slice(0, 16)}… serves ballot ids ${[...ids].join(", ")}: one host counts once`);
  }
  for (const [id, keys] of keysById) {
    if (keys.size > 1) refuse(id, `served with ${keys.size} different server keys in one pass: two hosts behind one id`);
  }
  return refused;
}

/** conflicts names a ballot number that carries two nominees anywhere we can see, or null. */
function conflicts(registers: readonly Ballot[], extra: readonly Witness[]): string | null {
  const values = new Map<string, { number: BallotNumber; nominee: Nominee }>();
  const note = (number: BallotNumber, nominee: Nominee): string | null => {
    const key = numberKey(number);
    const seen = values.get(key);
    if (seen === undefined) values.set(key, { number, nominee });
    else if (!sameNominee(seen.nominee, nominee)) {
      return `ballot number ${key} carries two nominees (${seen.nominee.address}, ${nominee.address}): two machines propose under one id`;
    }
    return null;
  };
  const all: Witness[] = [...extra];
  for (const b of registers) all.push(witnessOf(b), ...Object.values(b.peers));
  for (const w of all) {
    const found =
      (w.accepted === null ? null : note(w.accepted.number, w.accepted.nominee)) ??
      (w.proposal?.phase === "accept" ? note(w.proposal.number, w.proposal.nominee) : null);
    if (found !== null) return found;
  }
  return null;
}
