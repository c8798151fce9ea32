// The baseline: the old Go agent's observe-and-elect policy, on the same
// schedules. Each pass: some etcd visibly running ⇒ exit; fewer than quorum
// control planes in sight (itself included) ⇒ wait; not the oldest of them
// (boot time, then IP) ⇒ follow; otherwise wait the pre-bootstrap delay once
// and call Bootstrap. Unknown etcd evidence counts as "not bootstrapped"
// (fail-open), and seeing a quorum is taken for having its consent.
import type { Decision } from "../../src/core/agent.js";
import { order } from "../../src/core/candidates.js";
import type { Policy } from "./world.js";

export const baseline: Policy = {
  name: "baseline",
  // TLS against the machine CA keeps other-CA clusters out of its scan; a
  // cluster made from the same secrets bundle passes TLS and is counted.
  seesForeign: false,
  start(info) {
    const cfg = { ...info.schedule.cfg, quorum: info.settings.quorum };
    let delayUntil: number | null = null;
    let requested = false;
    let retryAt = 0;
    let backoffMs = 5_000;
    return {
      pass(view) {
        const decide = (): Decision => {
          const seen = new Map<string, { address: string; bootTime: bigint }>([[view.self.address, view.self]]);
          for (const p of view.peers) seen.set(p.address, p);
          if ([view.self, ...view.peers].some((n) => n.etcd.kind === "running")) {
            return { kind: "exit", code: 0, reason: requested ? "bootstrap-succeeded" : "already-bootstrapped" };
          }
          if (seen.size < cfg.quorum) return { kind: "wait", ms: cfg.scanIntervalMs, reason: "quorum not reached" };
          const oldest = [...seen.values()].sort(order)[0];
          if (oldest?.address !== view.self.address) return { kind: "wait", ms: cfg.followerCheckIntervalMs, reason: "not leader" };
          if (requested) return { kind: "wait", ms: cfg.consentIntervalMs, reason: "waiting for etcd" };
          if (view.now < retryAt) return { kind: "wait", ms: retryAt - view.now, reason: "bootstrap backoff" };
          delayUntil ??= view.now + cfg.preBootstrapDelayMs;
          if (view.now < delayUntil) return { kind: "wait", ms: delayUntil - view.now, reason: "pre-bootstrap delay" };
          return { kind: "bootstrap" };
        };
        return { ballot: null, decision: decide(), note: `saw=${view.peers.length + 1}` };
      },
      after(answer, now) {
        if (answer === "ok") {
          requested = true;
          return;
        }
        retryAt = now + backoffMs;
        backoffMs = Math.min(backoffMs * 2, cfg.maxBackoffMs);
      },
    };
  },
};
