// The liveness bound, stated in the configured intervals. After the heal:
//  - every agent may still be sleeping through its longest wait: a scan or
//    follower interval, or a backoff (proposal or Bootstrap retry) ≤ maxBackoff;
//  - the best candidate then waits the pre-bootstrap delay (or its backoff);
//  - one Paxos round is four hand-offs (prepare → promise → accept →
//    accepted), each read by an agent on its next pass: a consent interval
//    once a decision is open, up to a scan/follower interval for an acceptor
//    that has not noticed yet;
//  - the nominee's Bootstrap call, etcd writing its data dir, and the other
//    agents' next pass to see it running.
// K_CONSENT is headroom measured with the simulator (test/sim/README.md).
import type { Schedule } from "./schedule.js";

export const K_CONSENT = 4;
export const K_SLOW = 3;

export function livenessBound(s: Schedule): number {
  const c = s.cfg;
  const slow = Math.max(c.scanIntervalMs, c.followerCheckIntervalMs);
  const etcd = s.timing.etcdWriteMs[1] + s.timing.callMs[1];
  return c.preBootstrapDelayMs + c.maxBackoffMs + K_SLOW * slow + K_CONSENT * c.consentIntervalMs + etcd;
}
