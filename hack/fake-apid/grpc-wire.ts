// Just enough gRPC-over-HTTP/2 for a server: 5-byte length-prefixed messages,
// content-type application/grpc, grpc-status/grpc-message trailers. We frame
// by hand because grpc-js's Server hides its TLS sockets, and apid must refuse
// some verified client certificates during the handshake (see tls.ts).
import type { ServerHttp2Stream, IncomingHttpHeaders } from "node:http2";
import { status } from "@grpc/grpc-js";
import { StatusError } from "./status.js";

const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
const HEADER_BYTES = 5;

/** Reads the whole request body of a unary call and splits it into messages. */
export async function readMessages(stream: ServerHttp2Stream, signal: AbortSignal): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const message of streamMessages(stream, signal, MAX_REQUEST_BYTES)) out.push(message);
  return out;
}

/**
 * Yields the request's messages as they arrive (a client stream such as
 * EtcdRecover), refusing a body above maxBytes in all.
 */
export async function* streamMessages(stream: ServerHttp2Stream, signal: AbortSignal, maxBytes: number): AsyncGenerator<Buffer> {
  let pending: Buffer = Buffer.alloc(0);
  let size = 0;
  const onAbort = (): void => void stream.destroy();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > maxBytes) throw new StatusError(status.RESOURCE_EXHAUSTED, "request too large");
      pending = pending.length === 0 ? buf : Buffer.concat([pending, buf]);
      for (;;) {
        const next = takeFrame(pending);
        if (next === null) break;
        pending = next.rest;
        yield next.message;
      }
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
  // A reset stream can end the loop quietly: only a half-close ends the request.
  if (stream.aborted || !stream.readableEnded) throw new StatusError(status.CANCELLED, "the client canceled the call");
  if (pending.length > 0) throw new StatusError(status.INTERNAL, pending.length < HEADER_BYTES ? "truncated gRPC frame header" : "truncated gRPC message");
}

/** The first whole message of `buf` and what follows it, or null while it is incomplete. */
function takeFrame(buf: Buffer): { message: Buffer; rest: Buffer } | null {
  if (buf.length < HEADER_BYTES) return null;
  if (buf.readUInt8(0) !== 0) throw new StatusError(status.UNIMPLEMENTED, "compressed messages are not supported");
  const length = buf.readUInt32BE(1);
  if (buf.length - HEADER_BYTES < length) return null;
  return { message: buf.subarray(HEADER_BYTES, HEADER_BYTES + length), rest: buf.subarray(HEADER_BYTES + length) };
}

export function frame(message: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

/** True when the request is gRPC at all (else we answer 415 like grpc-go). */
export function isGrpc(headers: IncomingHttpHeaders): boolean {
  const ct = headers["content-type"];
  return typeof ct === "string" && /^application\/grpc($|[+;])/.test(ct);
}

/**
 * Sends the reply: headers, the messages, then the status trailers. A stream
 * the client already reset is left alone.
 */
export function respond(stream: ServerHttp2Stream, messages: readonly Buffer[], code: status, message: string): void {
  if (stream.destroyed || stream.closed) return;
  stream.respond({ ":status": 200, "content-type": "application/grpc+proto" }, { waitForTrailers: true });
  stream.once("wantTrailers", () => {
    const trailers: Record<string, string> = { "grpc-status": String(code) };
    if (message !== "") trailers["grpc-message"] = percentEncode(message);
    stream.sendTrailers(trailers);
  });
  for (const m of messages) stream.write(frame(m));
  stream.end();
}

/** grpc-message is percent-encoded outside printable ASCII (and '%' itself). */
export function percentEncode(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
