// GET of a snapshot URL with node:http(s). https verifies the server against
// Node's CA store (its bundled roots, plus NODE_EXTRA_CA_CERTS for a private
// CA) and the host name; neither this code nor the environment can turn that off.
// Redirects are followed a few times, never from https down to http: the
// checksum would still catch a changed file, but the snapshot holds the
// cluster's secrets and must not cross the network in clear.
import { get as httpGet, type IncomingMessage } from "node:http";
import { get as httpsGet } from "node:https";
import { SnapshotError } from "./errors.js";

/** Redirects followed before giving up (a CDN or object store needs one or two). */
export const MAX_REDIRECTS = 5;
/** No byte for this long (connect, headers or body) fails the download; a slow link is fine. */
export const STALL_TIMEOUT_MS = 30_000;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface Opened {
  readonly body: IncomingMessage;
  /** Content-Length, when the server sent a valid one. */
  readonly length: number | null;
}

export interface GetOptions {
  readonly signal: AbortSignal;
  readonly stallTimeoutMs?: number;
}

/** openUrl answers the 200 response whose body is the snapshot; anything else throws SnapshotError "download". */
export async function openUrl(url: string, o: GetOptions): Promise<Opened> {
  let current = new URL(url);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await request(current, o);
    const status = res.statusCode ?? 0;
    if (status === 200) return { body: res, length: contentLength(res) };
    res.resume();
    current = nextHop(current, status, res.statusMessage ?? "", res.headers.location);
  }
  throw new SnapshotError("download", `more than ${MAX_REDIRECTS} redirects`);
}

/** nextHop is the redirect policy: where a non-200 answer sends us, or a SnapshotError. */
export function nextHop(current: URL, status: number, statusText: string, location: string | undefined): URL {
  if (!REDIRECTS.has(status) || location === undefined) {
    throw new SnapshotError("download", `${where(current)}: HTTP ${status} ${statusText}`.trim());
  }
  const next = new URL(location, current);
  if (next.protocol !== "http:" && next.protocol !== "https:") throw new SnapshotError("download", `${where(current)}: redirect to a ${next.protocol} URL refused`);
  if (current.protocol === "https:" && next.protocol === "http:") throw new SnapshotError("download", `${where(current)}: redirect from https to http refused`);
  return next;
}

function request(url: URL, o: GetOptions): Promise<IncomingMessage> {
  const get = url.protocol === "https:" ? httpsGet : httpGet;
  const stallMs = o.stallTimeoutMs ?? STALL_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    // rejectUnauthorized stated, so a process-wide override in the environment cannot turn verification off.
    const req = get(url, { signal: o.signal, headers: { accept: "application/octet-stream" }, rejectUnauthorized: true }, resolve);
    // An idle socket, before the headers or while the body streams, ends the request.
    req.setTimeout(stallMs, () => req.destroy(new SnapshotError("download", `${where(url)}: no data for ${stallMs} ms`)));
    req.on("error", (err) => reject(err instanceof SnapshotError ? err : new SnapshotError("download", `${where(url)}: ${describe(err)}`, { cause: err })));
  });
}

function contentLength(res: IncomingMessage): number | null {
  const raw = res.headers["content-length"];
  if (raw === undefined || !/^\d+$/.test(raw)) return null;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : null;
}

/** where names a URL without its user info or query (credentials live there). */
function where(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function describe(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code !== undefined && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
}
