// The liveness bound, in the configured intervals:
//
//   preBootstrapDelay + maxBackoff + 3·max(scan, followerCheck) + 4·consent
//   + etcd's data-dir write + one Bootstrap round trip (Talos, not config)
//
// Why each term, after the heal:
//  - the best candidate may be asleep for a scan or follower interval, then
//    waits the pre-bootstrap delay, or a proposal/Bootstrap backoff (≤ maxBackoff);
//  - the acceptors notice its prepare on their next pass (≤ one slow interval
//    while nothing is promised yet; once it is, they re-read every consent);
//  - one Paxos round is four hand-offs read on the next pass each
//    (prepare → promise → accept → accepted): 4 consent intervals;
//  - etcd writes its data dir, and every other agent sees it running on its
//    next pass (≤ one slow interval).
// Measured (test/sim/README.md): the worst of 50,000 seeds uses under 0.6 of it.
import type { Schedule } from "./schedule.js";

export const K_CONSENT = 4;
export const K_SLOW = 3;

export function livenessBound(s: Schedule): number {
  const c = s.cfg;
  const slow = Math.max(c.scanIntervalMs, c.followerCheckIntervalMs);
  const etcd = s.timing.etcdWriteMs[1] + s.timing.callMs[1];
  return c.preBootstrapDelayMs + c.maxBackoffMs + K_SLOW * slow + K_CONSENT * c.consentIntervalMs + etcd;
}
