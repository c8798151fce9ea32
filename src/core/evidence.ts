// "Already bootstrapped?" fails closed. Any one of these on a control plane
// of ours settles it: etcd running, an etcd data directory that is not empty
// (etcd may be down on every node after a full power cycle; the data says the
// cluster exists), or a ballot that recorded the cluster bootstrapped.
// Otherwise a control plane we can see but cannot read makes the answer
// unknown, and unknown never leads to Bootstrap.
import type { Survey } from "./survey.js";
import type { Ballot, EtcdData, EtcdEvidence, View } from "./types.js";

export type ClusterStatus =
  | { kind: "bootstrapped"; by: readonly string[] }
  | { kind: "not-bootstrapped" }
  | { kind: "unknown"; reasons: readonly string[] };

/** What one control plane's etcd says: proof, doubt (with why), or nothing. */
function weigh(address: string, etcd: EtcdEvidence, data: EtcdData): { proof: string | null; doubt: string | null } {
  if (etcd.kind === "running") return { proof: `${address}: etcd running`, doubt: null };
  if (data.kind === "present") return { proof: `${address}: etcd data directory not empty`, doubt: null };
  if (etcd.kind === "unknown") return { proof: null, doubt: `${address}: ${etcd.reason}` };
  if (data.kind === "unknown") return { proof: null, doubt: `${address}: etcd data directory: ${data.reason}` };
  return { proof: null, doubt: null };
}

/**
 * clusterStatus weighs our own node and every read of the survey. Reads of
 * another cluster say nothing; a read we are unsure of (unreadable or refused
 * ballot) turns any sign of etcd into doubt, never into proof.
 */
export function clusterStatus(view: View, own: Ballot, s: Survey): ClusterStatus {
  const by: string[] = [];
  const reasons: string[] = [];
  if (own.bootstrapped) by.push("this node's ballot records the cluster bootstrapped");
  const self = weigh(view.self.address, view.self.etcd, view.self.etcdData);
  if (self.proof !== null) by.push(self.proof);
  if (self.doubt !== null) reasons.push(self.doubt);
  for (const r of s.reads) {
    const w = weigh(r.peer.address, r.peer.etcd, r.peer.etcdData);
    switch (r.whose) {
      case "ours":
        if (r.peer.ballot.kind !== "ok") {
          // No agent there yet: a control plane of our CA, but maybe of another
          // cluster made from the same secrets. Its etcd blocks Bootstrap; it
          // proves nothing until its ballot names the cluster.
          if (w.proof !== null) reasons.push(`${w.proof}, but it has no ballot yet to say which cluster it belongs to`);
          else if (w.doubt !== null) reasons.push(w.doubt);
          break;
        }
        if (r.peer.ballot.ballot.bootstrapped) by.push(`${r.peer.address}: its ballot records the cluster bootstrapped`);
        if (w.proof !== null) by.push(w.proof);
        if (w.doubt !== null) reasons.push(w.doubt);
        break;
      case "doubt":
        if (w.proof !== null) reasons.push(`${w.proof}, but its ballot is ${r.peer.ballot.kind === "unreadable" ? "unreadable" : "refused"} (${r.why ?? "?"})`);
        else if (w.doubt !== null) reasons.push(w.doubt);
        break;
      case "foreign":
      case "self":
        break;
      default: {
        const unreachable: never = r.whose;
        throw new Error(`unknown read ${String(unreachable)}`);
      }
    }
  }
  if (by.length > 0) return { kind: "bootstrapped", by };
  return reasons.length > 0 ? { kind: "unknown", reasons } : { kind: "not-bootstrapped" };
}
