// Just enough gRPC-over-HTTP/2 for a server: 5-byte length-prefixed messages,
// content-type application/grpc, grpc-status/grpc-message trailers. We frame
// by hand because grpc-js's Server hides its TLS sockets, and apid must refuse
// some verified client certificates during the handshake (see tls.ts).
import type { ServerHttp2Stream, IncomingHttpHeaders } from "node:http2";
import { status } from "@grpc/grpc-js";
import { StatusError } from "./status.js";

const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/** Reads the whole request body and splits it into messages. */
export async function readMessages(stream: ServerHttp2Stream, signal: AbortSignal): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  let size = 0;
  const onAbort = (): void => void stream.destroy();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > MAX_REQUEST_BYTES) throw new StatusError(status.RESOURCE_EXHAUSTED, "request too large");
      chunks.push(buf);
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
  return splitFrames(Buffer.concat(chunks));
}

export function splitFrames(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    if (body.length - at < 5) throw new StatusError(status.INTERNAL, "truncated gRPC frame header");
    const compressed = body.readUInt8(at);
    const length = body.readUInt32BE(at + 1);
    if (compressed !== 0) throw new StatusError(status.UNIMPLEMENTED, "compressed messages are not supported");
    if (body.length - at - 5 < length) throw new StatusError(status.INTERNAL, "truncated gRPC message");
    out.push(body.subarray(at + 5, at + 5 + length));
    at += 5 + length;
  }
  return out;
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
