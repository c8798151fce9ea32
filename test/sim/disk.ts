// Disk faults and clones: what happens to a node's disk (its ballot history
// and its etcd data directory) when EPHEMERAL is wiped, a VM snapshot is
// reverted, power fails in the middle of a ballot write, or a machine is
// cloned. Each takes the node down first, like the real event would.
import { hex } from "./prng.js";
import type { DiskFault } from "./schedule.js";
import { boot, powerOff } from "./talos.js";
import { cover, log, type SimNode, type World } from "./world.js";

type Start = (w: World, n: SimNode) => void;

/** diskFault applies one scheduled fault; the node boots again `downMs` later. */
export function diskFault(w: World, n: SimNode, f: DiskFault, start: Start): void {
  if (f.kind === "lost-rename") {
    w.armed.set(n.spec.name, f.backMs);
    return;
  }
  if (!n.up) return;
  powerOff(w, n, `${f.kind}${f.kind === "rollback" ? ` to ${f.backMs}ms ago` : ""}`);
  switch (f.kind) {
    case "wipe":
    case "reinstall":
      n.ballots = [];
      n.data = null;
      if (f.kind === "reinstall") n.machine = hex(64, w.schedule.seed, n.index, 900 + n.lives);
      cover(w, `disk ${f.kind}`);
      forgetIfAllWiped(w, n);
      break;
    case "rollback": {
      const snapshot = w.now - f.backMs;
      const kept = n.ballots.filter((v) => v.at <= snapshot);
      if (kept.length < n.ballots.length) cover(w, "rollback loses ballot writes");
      n.ballots = kept;
      if (n.data !== null && n.dataAt > snapshot) n.data = null;
      break;
    }
  }
  w.q.push(w.now + f.downMs, () => !n.up && boot(w, n, start));
}

/**
 * forgetIfAllWiped: once every control plane of a cluster has lost its
 * ballot and its etcd data, nothing remembers the cluster or the Bootstraps
 * that made it (intents died with the power-off): the operator made a new
 * cluster, and its first Bootstrap is not a second one.
 */
function forgetIfAllWiped(w: World, n: SimNode): void {
  const c = n.spec.cluster;
  const all = w.nodes.filter((m) => m.spec.kind === "cp" && m.spec.cluster === c);
  if (!all.every((m) => m.ballots.length === 0 && m.data === null && m.intent === null)) return;
  const before = w.bootstrapped.length;
  for (let i = w.bootstrapped.length - 1; i >= 0; i--) if (w.byName.get(w.bootstrapped[i] as string)?.spec.cluster === c) w.bootstrapped.splice(i, 1);
  w.formed.delete(c);
  if (w.bootstrapped.length < before) cover(w, "every control plane wiped: a new cluster");
}

export const armedWrite = (w: World, n: SimNode): boolean => w.armed.has(n.spec.name);

/**
 * wroteArmed: power fails `window` ms after this write, before the directory
 * fsync. The new store had made the file durable (as ballot.json.next) before
 * anyone could read it, and finishes the rename at the next start; the old
 * store loses the write, although peers may have read it meanwhile.
 */
export function wroteArmed(w: World, n: SimNode, start: Start): void {
  const window = w.armed.get(n.spec.name) ?? 0;
  w.armed.delete(n.spec.name);
  const written = n.ballots[n.ballots.length - 1];
  const boots = n.boots;
  w.q.push(w.now + window, () => {
    if (n.boots !== boots || !n.up) return;
    powerOff(w, n, "power loss between rename and directory fsync");
    if (w.policy.oldStore === true && written !== undefined && n.ballots[n.ballots.length - 1] === written) {
      n.ballots = n.ballots.slice(0, -1);
      cover(w, "old store loses a ballot write");
    }
    cover(w, "power loss right after a ballot write");
    w.q.push(w.now + 5_000, () => !n.up && boot(w, n, start));
  });
}

/** cloneDisk: a clone boots with a copy of its source's disk as it is now. */
export function cloneDisk(w: World, n: SimNode): void {
  const c = n.spec.cloneOf;
  const source = c === null ? undefined : w.byName.get(c.node);
  if (c === null || source === undefined) return;
  n.ballots = source.ballots.map((v) => ({ ...v }));
  n.data = source.data;
  n.dataAt = source.dataAt;
  if (c.sameBinding) n.machine = source.machine;
  log(w, n.spec.name, `cloned from ${source.spec.name} (${c.sameBinding ? "same" : "new"} machine binding, ${n.ballots.length} ballot versions)`);
  cover(w, `clone, ${c.sameBinding ? "same" : "new"} binding${n.ballots.length > 0 ? ", ballot copied" : ""}`);
}
