// A peer's ballot: its file, read with MachineService/Read (admin only). No
// file means its agent has not started (not an acceptor yet); anything else
// that goes wrong makes the ballot unreadable, never a crash.
import { BALLOT_PATH, MAX_BALLOT_BYTES, decodeBallot } from "../../ballots/codec.js";
import type { BallotRead } from "../../core/types.js";
import type { CallOptions, TalosClient } from "../../talos/client.js";
import { TalosError } from "../../talos/errors.js";
import { describe } from "./describe.js";

export async function readBallot(open: () => Promise<TalosClient>, opts: CallOptions): Promise<BallotRead> {
  let bytes: Buffer;
  try {
    bytes = await (await open()).read(BALLOT_PATH, { ...opts, maxBytes: MAX_BALLOT_BYTES });
  } catch (err) {
    if (err instanceof TalosError && err.kind === "not-found") return { kind: "missing" };
    return { kind: "unreadable", reason: describe(err) };
  }
  try {
    return { kind: "ok", ballot: decodeBallot(bytes) };
  } catch (err) {
    return { kind: "unreadable", reason: describe(err) };
  }
}
