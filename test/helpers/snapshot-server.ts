// A snapshot server of our own on loopback (or on a test host's address):
// serves one body at /snap.db over http or https, with the faults recovery
// must survive (a wrong status, a redirect, a lying length, a stall), and
// counts the requests. Also: a loopback port that is certainly closed.
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttps } from "node:https";
import { createServer as createNet, type AddressInfo } from "node:net";
import { makeClusterCa, makeServerCert } from "../../hack/fake-apid/pki.js";

export interface SnapshotServerOptions {
  readonly body: Buffer;
  /** Address to listen on; default 127.0.0.1. */
  readonly host?: string;
  /** Serve https with a certificate from a fresh CA (its PEM is `caPem`). */
  readonly tls?: boolean;
  /** Announce no Content-Length (chunked). */
  readonly noLength?: boolean;
  /** Announce this Content-Length instead of the real one. */
  readonly announceLength?: number;
  /** Answer every request with this status and no body. */
  readonly status?: number;
  /** Stop sending after this many bytes and keep the connection open. */
  readonly stallAfter?: number;
}

export interface SnapshotServer {
  /** URL of the body; `/redirect` and `/to-http` redirect to it (the latter to plain http). */
  readonly url: string;
  readonly origin: string;
  /** PEM of the CA that signed the https certificate (empty for http). */
  readonly caPem: string;
  /** Requests received, by path. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startSnapshotServer(o: SnapshotServerOptions): Promise<SnapshotServer> {
  const host = o.host ?? "127.0.0.1";
  const requests: string[] = [];
  const held: ServerResponse[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    requests.push(path);
    if (o.status !== undefined) return void res.writeHead(o.status).end();
    if (path === "/redirect") return void res.writeHead(302, { location: "/snap.db" }).end();
    if (path === "/to-http") return void res.writeHead(302, { location: `http://${hostPort(host, 1)}/snap.db` }).end();
    if (path !== "/snap.db") return void res.writeHead(404).end();
    const headers: Record<string, string> = { "content-type": "application/octet-stream" };
    if (o.noLength !== true) headers["content-length"] = String(o.announceLength ?? o.body.length);
    res.writeHead(200, headers);
    if (o.stallAfter !== undefined) {
      res.write(o.body.subarray(0, o.stallAfter));
      held.push(res);
      return;
    }
    // A lying length: end the connection after the body, as a crashed server would.
    if (o.announceLength !== undefined) res.write(o.body, () => res.socket?.destroy());
    else res.end(o.body);
  };
  let caPem = "";
  let server: Server;
  if (o.tls === true) {
    const ca = await makeClusterCa("ecdsa");
    const leaf = await makeServerCert(ca, { ips: [host], dnsNames: ["localhost"] });
    caPem = ca.certPem;
    server = createHttps({ cert: leaf.certPem, key: leaf.keyPem }, handler);
  } else {
    server = createHttp(handler);
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `${o.tls === true ? "https" : "http"}://${hostPort(host, port)}`;
  return {
    url: `${origin}/snap.db`,
    origin,
    caPem,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of held) r.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** closedPort returns a loopback port that was just bound and released: connecting is refused. */
export async function closedPort(host = "127.0.0.1"): Promise<number> {
  const s = createNet();
  await new Promise<void>((resolve) => s.listen(0, host, () => resolve()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
