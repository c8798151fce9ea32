// Trace formatting: one line per pass says what the agent saw, what its
// register holds after the pass, and what it decided. Ids print as node names.
import type { Ballot, BallotNumber, BallotRead, ClusterIdentity, EtcdEvidence, View } from "../../src/core/types.js";
import type { World } from "./world.js";

export function describe(w: World, view: View, own: Ballot | null): string {
  const peers = view.peers.map((p) => `${nameOf(w, p.address)}:${read(w, p.ballot)}/${etcd(p.etcd)}`);
  const self = `self/${etcd(view.self.etcd)}`;
  const mine = own === null ? "" : ` | ${ballot(w, own)}`;
  return `saw[${[self, ...peers].join(" ")}]${mine} |`;
}

export function ballot(w: World, b: Ballot): string {
  const foreign = ours(w, b.cluster) ? "" : `FOREIGN(${id(w, b.id)}) `;
  const promised = b.promised === null ? "-" : num(w, b.promised);
  const accepted = b.accepted === null ? "-" : `${num(w, b.accepted.number)}>${id(w, b.accepted.nominee.id)}`;
  const p = b.proposal;
  const proposal = p === null ? "-" : p.phase === "prepare" ? `prep ${num(w, p.number)}` : `acc ${num(w, p.number)}>${id(w, p.nominee.id)}`;
  return `${foreign}P=${promised} A=${accepted} req=${proposal}`;
}

function read(w: World, r: BallotRead): string {
  switch (r.kind) {
    case "ok": {
      const a = r.ballot.accepted;
      const mark = ours(w, r.ballot.cluster) ? "" : r.ballot.cluster.ca === w.schedule.cluster ? "!sibling" : "!foreign";
      return `${r.ballot.promised === null ? "-" : num(w, r.ballot.promised)}${a === null ? "" : `a${a.number.round}`}${mark}`;
    }
    case "missing":
      return "none";
    case "unreadable":
      return "??";
  }
}

const ours = (w: World, c: ClusterIdentity): boolean => c.ca === w.schedule.cluster && c.name === "cluster-0";

function etcd(e: EtcdEvidence): string {
  return e.kind === "running" ? "RUN" : e.kind === "absent" ? "no" : "?";
}

const num = (w: World, n: BallotNumber): string => `${n.round}.${id(w, n.id)}`;
const id = (w: World, x: string): string => w.names.get(x) ?? x.slice(0, 4);

function nameOf(w: World, address: string): string {
  const n = w.nodes.find((x) => x.address === address || x.spec.extraAddress === address);
  return n === undefined ? address : n.spec.extraAddress === address ? `${n.spec.name}^` : n.spec.name;
}
