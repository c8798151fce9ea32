// The third call shape: a client stream (MachineService/EtcdRecover uploads a
// snapshot as a stream of common.Data chunks). Kept apart from channel.ts,
// whose `guarded` it reuses for the deadline, the abort and the error mapping.
import type { ClientWritableStream } from "@grpc/grpc-js";
import type { MethodDefinition } from "@grpc/proto-loader";
import { Metadata } from "@grpc/grpc-js";
import { guarded, type CallOptions, type Channel } from "./channel.js";
import { UNARY_LIMITS } from "./limits.js";
import { TalosError } from "./errors.js";

/**
 * clientStream sends every message `messages` yields, waiting for the
 * transport to drain between them (a large upload never piles up in memory),
 * then half-closes and resolves with the server's one reply. A failure of the
 * source cancels the call and is reported as "canceled" with it as the cause.
 */
export function clientStream<Req, Res>(channel: Channel, method: MethodDefinition<Req, Res>, messages: AsyncIterable<Req>, opts: CallOptions): Promise<Res> {
  // One reply message, like a unary call.
  return guarded<Res>(channel, opts, UNARY_LIMITS, ({ deadline, settle, metered }) => {
    let finished = false;
    let wake: () => void = () => undefined;
    const finish = (error: unknown, value?: Res): void => {
      finished = true;
      wake();
      settle(error, value);
    };
    const call: ClientWritableStream<Req> = channel.client.makeClientStreamRequest<Req, Res>(
      method.path,
      method.requestSerialize,
      metered(method.responseDeserialize),
      new Metadata(),
      { deadline },
      (error, value) => finish(error, value),
    );
    // Resolves on 'drain' or when the call is over, whichever comes first.
    const drained = (): Promise<void> =>
      new Promise<void>((resolve) => {
        wake = resolve;
        call.once("drain", resolve);
      });
    const pump = async (): Promise<void> => {
      for await (const message of messages) {
        if (finished) return;
        if (!call.write(message)) await drained();
        if (finished) return;
      }
      call.end();
    };
    pump().catch((cause: unknown) => {
      if (finished) return;
      const why = cause instanceof Error ? cause.message : String(cause);
      finish(new TalosError("canceled", `${method.path}: the data to send failed: ${why}`, { cause }));
      call.cancel();
    });
    return {
      cancel: () => {
        finished = true;
        wake();
        call.cancel();
      },
    };
  });
}
