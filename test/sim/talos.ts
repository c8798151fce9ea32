// The Talos node model, after TALOS.md §5 and §6: boot time that shifts at
// the first time sync, Bootstrap's checks in Talos's order, an intent that
// lives in machined memory until etcd writes its data dir, and the join loop
// of an etcd that was never bootstrapped.
import type { CallFailure } from "../../src/core/bootstrap-answer.js";
import type { EtcdData, EtcdEvidence } from "../../src/core/types.js";
import { hash } from "./prng.js";
import { cover, draw, etcdNodes, log, reachable, type SimNode, type World } from "./world.js";

/** Virtual time 0 is this Unix second. */
const EPOCH_SEC = 1_767_225_600n;

/** reportedBootTime is SystemStat.boot_time: wall clock − uptime, so skewed until the first sync. */
export function reportedBootTime(n: SimNode): bigint {
  const sec = EPOCH_SEC + BigInt(Math.floor(n.bootMs / 1000));
  return n.synced ? sec : sec + BigInt(n.skewSec);
}

export function etcdEvidence(n: SimNode): EtcdEvidence {
  if (n.etcd === "running") return { kind: "running" };
  return { kind: "absent", state: n.etcd === "preparing" ? "Preparing" : "Waiting" };
}

/** etcdData is MachineService/List of /var/lib/etcd/member on that node. */
export const etcdData = (n: SimNode): EtcdData => (n.data === null ? { kind: "empty" } : { kind: "present" });

/** boot brings a node up with a new boot time; its agent starts a little later. */
export function boot(w: World, n: SimNode, startAgent: (w: World, n: SimNode) => void): void {
  if (w.healed && w.schedule.deadAfterHeal.includes(n.spec.name)) return;
  const t = w.schedule.timing;
  n.up = true;
  n.boots += 1;
  n.bootMs = w.now;
  const skew = Math.floor((hash(w.schedule.seed, n.index, n.boots, 11) * 2 - 1) * w.schedule.timing.skewSec);
  n.skewSec = hash(w.schedule.seed, n.index, n.boots, 12) < 0.3 ? 0 : skew;
  n.synced = false;
  n.criReady = false;
  n.etcd = "absent";
  n.agent = "not-started";
  log(w, n.spec.name, `boot (boot time ${reportedBootTime(n)}, skew ${n.skewSec}s)`);
  const boots = n.boots;
  const later = (ms: number, f: () => void): void => w.q.push(w.now + (w.healed ? 0 : ms), () => n.boots === boots && n.up && f());
  later(draw(w, n, 1, t.syncMs), () => sync(w, n));
  later(draw(w, n, 2, t.criMs), () => (n.criReady = true));
  if (n.spec.kind === "cp" && (n.spec.agentStarts || w.healed)) later(draw(w, n, 3, t.agentMs), () => startAgent(w, n));
}

/** sync is the first time sync: the clock steps, and etcd may start. */
export function sync(w: World, n: SimNode): void {
  if (n.synced) return;
  n.synced = true;
  log(w, n.spec.name, `time sync (boot time now ${reportedBootTime(n)})`);
  if (n.spec.kind === "init" && n.data === null) return selfBootstrap(w, n);
  if (n.spec.kind !== "cp" && n.spec.kind !== "init") return;
  if (n.data !== null) {
    const boots = n.boots;
    // After a full power cycle etcd stays down everywhere for a while (no quorum yet).
    const at = Math.max(w.now + draw(w, n, 4, w.schedule.timing.etcdWriteMs), w.etcdHeldUntil);
    w.q.push(at, () => {
      if (n.boots === boots && n.up && n.data !== null) run(w, n);
    });
    return;
  }
  n.etcd = "preparing";
  joinLoop(w, n);
}

/** reboot loses machined's memory (a Bootstrap intent) and the agent; disks survive. */
export function reboot(w: World, n: SimNode, downMs: number, startAgent: (w: World, n: SimNode) => void): void {
  if (!n.up) return;
  powerOff(w, n, `reboot (down ${downMs}ms)`);
  w.q.push(w.now + downMs, () => !n.up && boot(w, n, startAgent));
}

/** powerOff takes the node down; a reboot brings it back, a dead node stays down. */
export function powerOff(w: World, n: SimNode, why: string): void {
  log(w, n.spec.name, `${why}${n.intent !== null ? ", bootstrap intent lost" : ""}`);
  if (n.intent !== null) cover(w, "reboot loses a Bootstrap intent");
  n.up = false;
  n.gen += 1;
  n.process = null;
  n.agent = "down";
  n.etcd = "absent";
  n.intent = null;
}

/** callBootstrap is MachineService/Bootstrap on the node's own apid: null is OK, else how it failed. */
export function callBootstrap(w: World, n: SimNode): CallFailure | null {
  w.calls += 1;
  if (!n.criReady || !n.synced) return cover(w, "Bootstrap: FailedPrecondition"), { kind: "failed-precondition", message: "bootstrap is not available yet" };
  if (n.data !== null) return cover(w, "Bootstrap: AlreadyExists"), { kind: "already-exists", message: "etcd data directory is not empty" };
  if (n.intent !== null) cover(w, "Bootstrap again before etcd wrote its data");
  createCluster(w, n);
  return null;
}

/** selfBootstrap: Talos bootstraps an init node itself, at its first time sync. */
function selfBootstrap(w: World, n: SimNode): void {
  cover(w, "init node bootstraps itself");
  log(w, n.spec.name, "init node: Talos bootstraps etcd by itself");
  createCluster(w, n);
}

/** createCluster: etcd on n starts a new cluster, once its data dir is written (an intent until then). */
function createCluster(w: World, n: SimNode): void {
  if (!w.bootstrapped.includes(n.spec.name)) w.bootstrapped.push(n.spec.name);
  if (w.cycled) w.afterCycle.push(n.spec.name);
  w.successes.push(w.now);
  const intent = ++w.intents;
  n.intent = intent;
  n.etcd = "preparing";
  w.q.push(w.now + draw(w, n, 5 + intent, w.schedule.timing.etcdWriteMs), () => {
    if (!n.up || n.intent !== intent) return;
    n.intent = null;
    n.data = n.spec.name;
    n.dataAt = w.now;
    w.formed.add(n.spec.cluster);
    log(w, n.spec.name, "etcd wrote its data dir (new cluster)");
    run(w, n);
  });
}

function run(w: World, n: SimNode): void {
  n.etcd = "running";
  log(w, n.spec.name, `etcd running (cluster of ${n.data})`);
}

/** joinLoop retries member-add while the data dir is empty and no Bootstrap is pending. */
function joinLoop(w: World, n: SimNode): void {
  const boots = n.boots;
  const tick = (): void => {
    if (n.boots !== boots || !n.up || n.data !== null) return;
    if (n.intent === null) {
      // The join goes to its own cluster's members (its config's endpoint).
      const member = etcdNodes(w).find((m) => m !== n && m.spec.cluster === n.spec.cluster && m.etcd === "running" && reachable(w, n, m));
      if (member !== undefined) {
        n.data = member.data;
        n.dataAt = w.now;
        if (!reachable(w, member, n)) cover(w, "etcd joins across a one-way cut");
        log(w, n.spec.name, `etcd joined the cluster of ${member.data} via ${member.spec.name}`);
        run(w, n);
        return;
      }
    }
    w.q.push(w.now + w.schedule.timing.joinTickMs, tick);
  };
  tick();
}
