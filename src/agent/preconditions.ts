// Checks a control plane passes before it takes part in the vote, each ending
// the run with one clear log line when it fails. The decisions are pure
// (core/omni.ts, ballots/mount-check.ts); this file reads and logs.
import { readBallotMount, type BallotMountVerdict } from "../ballots/mount-check.js";
import { BALLOT_DIR } from "../ballots/codec.js";
import type { StartConfig } from "../config/env.js";
import { omniVerdict } from "../core/omni.js";
import { readKernelCmdline, sideroLinkOnCmdline } from "../credentials/cmdline.js";
import type { Logger } from "../log.js";

/** omniOwnsCluster: true (logged once) when Omni manages this node and the user did not override it. */
export async function omniOwnsCluster(
  sideroLinkConfig: boolean,
  config: StartConfig,
  log: Logger,
  readCmdline: () => Promise<string> = () => readKernelCmdline(),
): Promise<boolean> {
  const cmdline = await readCmdline().catch((err: unknown) => {
    log.warn({ err: (err as Error).message }, "cannot read /proc/cmdline: looking for Omni in the machine config only");
    return "";
  });
  const v = omniVerdict({ sideroLinkConfig, sideroLinkCmdline: sideroLinkOnCmdline(cmdline) }, config.ignoreOmni);
  switch (v.kind) {
    case "not-managed":
      return false;
    case "stand-down":
      log.info({ evidence: v.evidence }, "managed by Omni: Omni bootstraps this cluster; nothing to do");
      return true;
    case "overridden":
      log.warn({ evidence: v.evidence }, "managed by Omni, but TALOS_AUTO_BOOTSTRAP_IGNORE_OMNI=true: taking part anyway");
      return false;
    default: {
      const unreachable: never = v;
      throw new Error(`unknown verdict ${JSON.stringify(unreachable)}`);
    }
  }
}

/** ballotsPersistent: false (logged as an error) unless the ballot directory is a writable disk filesystem. */
export async function ballotsPersistent(log: Logger, read: () => Promise<BallotMountVerdict> = () => readBallotMount()): Promise<boolean> {
  const v = await read().catch((err: unknown) => ({ kind: "unreadable" as const, err }));
  if (v.kind === "persistent") return true;
  if (v.kind === "unreadable") {
    log.error({ dir: BALLOT_DIR, err: (v.err as Error).message }, "refusing to vote: cannot tell what holds the ballot directory");
    return false;
  }
  const m = v.mount;
  log.error(
    { dir: BALLOT_DIR, why: v.why, mountPoint: m?.mountPoint, fstype: m?.fstype, source: m?.source, reason: v.reason },
    "refusing to vote: ballot directory not on persistent storage",
  );
  return false;
}
