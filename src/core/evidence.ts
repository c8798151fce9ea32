// "Already bootstrapped?" fails closed: etcd running on a control plane of
// ours settles it; otherwise a control plane we can see but cannot read makes
// the answer unknown, and unknown never leads to Bootstrap.
import type { PeerView, View } from "./types.js";

export type ClusterStatus =
  | { kind: "bootstrapped"; by: readonly string[] }
  | { kind: "not-bootstrapped" }
  | { kind: "unknown"; reasons: readonly string[] };

/**
 * Whose running etcd counts: ours (ballot of our cluster) or an agent-less
 * peer (no ballot yet). A peer whose ballot names another cluster says
 * nothing; one whose ballot we cannot read might be either, so it is doubt.
 * (TLS already keeps other clusters out; this is defence in depth.)
 */
function belongs(p: PeerView, cluster: string): "ours" | "foreign" | "doubt" {
  switch (p.ballot.kind) {
    case "ok":
      return p.ballot.ballot.cluster === cluster ? "ours" : "foreign";
    case "missing":
      return "ours";
    case "unreadable":
      return "doubt";
    default: {
      const unreachable: never = p.ballot;
      throw new Error(`unknown ballot read ${JSON.stringify(unreachable)}`);
    }
  }
}

export function clusterStatus(view: View, cluster: string): ClusterStatus {
  const running: string[] = view.self.etcd.kind === "running" ? [view.self.address] : [];
  const reasons: string[] = view.self.etcd.kind === "unknown" ? [`${view.self.address}: ${view.self.etcd.reason}`] : [];
  for (const p of view.peers) {
    const whose = belongs(p, cluster);
    if (whose === "foreign") continue;
    if (p.etcd.kind === "running" && whose === "ours") running.push(p.address);
    else if (p.etcd.kind === "running") reasons.push(`${p.address}: etcd running but its ballot is unreadable`);
    else if (p.etcd.kind === "unknown") reasons.push(`${p.address}: ${p.etcd.reason}`);
  }
  if (running.length > 0) return { kind: "bootstrapped", by: running };
  return reasons.length > 0 ? { kind: "unknown", reasons } : { kind: "not-bootstrapped" };
}
