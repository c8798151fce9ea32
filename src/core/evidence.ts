// "Already bootstrapped?" fails closed: one control plane with etcd running
// settles it; otherwise a control plane we can see but cannot read makes the
// answer unknown, and unknown never leads to Bootstrap.
import type { View } from "./types.js";

/** Peers whose ballot names another cluster are not ours: their etcd says nothing. */
const ours = (cluster: string) => (p: View["peers"][number]) =>
  p.ballot.kind !== "ok" || p.ballot.ballot.cluster === cluster;

export type ClusterStatus =
  | { kind: "bootstrapped"; by: readonly string[] }
  | { kind: "not-bootstrapped" }
  | { kind: "unknown"; reasons: readonly string[] };

export function clusterStatus(view: View, cluster: string): ClusterStatus {
  const all = [view.self, ...view.peers.filter(ours(cluster))];
  const running = all.filter((n) => n.etcd.kind === "running").map((n) => n.address);
  if (running.length > 0) return { kind: "bootstrapped", by: running };
  const reasons: string[] = [];
  for (const n of all) {
    if (n.etcd.kind === "unknown") reasons.push(`${n.address}: ${n.etcd.reason}`);
  }
  return reasons.length > 0 ? { kind: "unknown", reasons } : { kind: "not-bootstrapped" };
}
