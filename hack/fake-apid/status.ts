// A gRPC status raised by a handler; anything else thrown becomes Unknown,
// as a plain Go error returned by a Talos handler does.
import { status } from "@grpc/grpc-js";

export { status as Code } from "@grpc/grpc-js";

export class StatusError extends Error {
  override readonly name = "StatusError";
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

/** Status of a thrown value: StatusError keeps its code, the rest is Unknown. */
export function toStatus(err: unknown): { code: status; message: string } {
  if (err instanceof StatusError) return { code: err.code, message: err.message };
  return { code: status.UNKNOWN, message: err instanceof Error ? err.message : String(err) };
}

/** Talos's authz.ErrNotAuthorized. */
export const notAuthorized = (): StatusError => new StatusError(status.PERMISSION_DENIED, "not authorized");
