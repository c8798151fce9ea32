// A peer's ballot: its file, read with MachineService/Read (admin only). No
// file means its agent has not started (not an acceptor yet); anything else
// that goes wrong makes the ballot unreadable, never a crash. The read names
// the host that served it by its certificate's key: one host, one vote.
import { BALLOT_PATH, MAX_BALLOT_BYTES, decodeBallot } from "../../ballots/codec.js";
import type { BallotRead } from "../../core/types.js";
import type { CallOptions, TalosClient } from "../../talos/client.js";
import { TalosError } from "../../talos/errors.js";
import { describe } from "./describe.js";

/** A ballot read and the server key it came over (null when no handshake got that far). */
export interface KeyedBallot {
  readonly read: BallotRead;
  readonly serverKey: string | null;
}

export async function readBallot(open: () => Promise<TalosClient>, opts: CallOptions): Promise<KeyedBallot> {
  let client: TalosClient | undefined;
  const keyed = (read: BallotRead): KeyedBallot => ({ read, serverKey: client?.serverKey() ?? null });
  let bytes: Buffer;
  try {
    client = await open();
    bytes = await client.read(BALLOT_PATH, { ...opts, maxBytes: MAX_BALLOT_BYTES });
  } catch (err) {
    if (err instanceof TalosError && err.kind === "not-found") return keyed({ kind: "missing" });
    return keyed({ kind: "unreadable", reason: describe(err) });
  }
  try {
    return keyed({ kind: "ok", ballot: decodeBallot(bytes) });
  } catch (err) {
    return keyed({ kind: "unreadable", reason: describe(err) });
  }
}
