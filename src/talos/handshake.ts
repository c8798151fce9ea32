// A first contact with an unknown address, done by hand so every outcome has a
// precise name: TCP connect (refused / timeout), then TLS with our identity
// (foreign / tls-rejected / malformed), then the HTTP/2 prefaces (a gRPC
// server answers with SETTINGS). grpc-js reports all of these as UNAVAILABLE
// with text, which is why a scan does not start with it.
import { connect as tcpConnect, type Socket } from "node:net";
import { connect as tlsConnect, type SecureContext, type TLSSocket } from "node:tls";
import { classifyTls } from "./errors.js";
import { peerCheck } from "./tls.js";

export type HandshakeResult =
  | { readonly kind: "ok" }
  | { readonly kind: "refused" | "timeout" | "tls-rejected" | "foreign" | "malformed"; readonly detail: string };

// RFC 9113 §3.4: the client preface, then an empty SETTINGS frame.
const CLIENT_PREFACE = Buffer.concat([
  Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1"),
  Buffer.from([0, 0, 0, 0x04, 0, 0, 0, 0, 0]),
]);
const FRAME_SETTINGS = 0x04;

/** tlsFailure: what a failed TLS stage says about the server (errors.ts names it). */
function tlsFailure(error: NodeJS.ErrnoException): HandshakeResult {
  const code = error.code ?? "";
  const detail = `${code} ${error.message}`.trim();
  const verdict = classifyTls(error.message, code);
  if (verdict !== null) return { kind: verdict, detail };
  // The server hung up in the middle of the handshake or right after it:
  // how a server that refuses our certificate ends it under TLS 1.3.
  if (code === "ECONNRESET" || code === "EPIPE") return { kind: "tls-rejected", detail };
  return { kind: "malformed", detail };
}

/**
 * handshake contacts address:port and says what answers there. It never
 * throws; the socket is always destroyed before it returns.
 */
export function handshake(
  address: string,
  port: number,
  context: SecureContext,
  opts: { readonly signal: AbortSignal; readonly timeoutMs: number },
): Promise<HandshakeResult> {
  return new Promise<HandshakeResult>((resolve) => {
    let stage: "tcp" | "tls" | "h2" = "tcp";
    let tcp: Socket | undefined;
    let tls: TLSSocket | undefined;
    let done = false;
    const finish = (result: HandshakeResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal.removeEventListener("abort", onAbort);
      tls?.destroy();
      tcp?.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ kind: "timeout", detail: `no answer within ${opts.timeoutMs} ms (${stage})` }), opts.timeoutMs);
    const onAbort = (): void => finish({ kind: "timeout", detail: `aborted (${stage})` });
    if (opts.signal.aborted) return onAbort();
    opts.signal.addEventListener("abort", onAbort, { once: true });

    tcp = tcpConnect({ host: address, port, noDelay: true });
    // "on", not "once": a socket may emit more than one error and an
    // unlistened one would crash the agent.
    tcp.on("error", (error: NodeJS.ErrnoException) => {
      if (stage !== "tcp") return; // reported through the TLS socket
      if (error.code === "ECONNREFUSED") return finish({ kind: "refused", detail: error.message });
      if (error.code === "EHOSTUNREACH" || error.code === "ENETUNREACH" || error.code === "ETIMEDOUT") {
        return finish({ kind: "timeout", detail: error.message });
      }
      finish({ kind: "refused", detail: `${error.code ?? ""} ${error.message}`.trim() });
    });
    tcp.once("connect", () => {
      stage = "tls";
      let foreign: string | undefined;
      tls = tlsConnect({
        socket: tcp,
        secureContext: context,
        ALPNProtocols: ["h2"],
        // Stated, not inherited: Node's default follows the environment.
        rejectUnauthorized: true,
        checkServerIdentity: peerCheck(address, (reason) => (foreign = reason)),
      });
      tls.on("error", (error: NodeJS.ErrnoException) => {
        if (foreign !== undefined) return finish({ kind: "foreign", detail: foreign });
        finish(tlsFailure(error));
      });
      tls.once("close", () => finish({ kind: "tls-rejected", detail: `connection closed by the server (${stage})` }));
      tls.once("secureConnect", () => {
        stage = "h2";
        if (tls?.alpnProtocol !== "h2") {
          return finish({ kind: "malformed", detail: `ALPN ${String(tls?.alpnProtocol)}, not h2` });
        }
        tls.write(CLIENT_PREFACE);
        let head = Buffer.alloc(0);
        tls.on("data", (chunk: Buffer) => {
          head = Buffer.concat([head, chunk]);
          if (head.length < 9) return;
          // The server's first frame must be SETTINGS on stream 0.
          const ok = head[3] === FRAME_SETTINGS && head.readUInt32BE(5) === 0;
          finish(ok ? { kind: "ok" } : { kind: "malformed", detail: "first HTTP/2 frame is not SETTINGS" });
        });
      });
    });
  });
}
