// apid's TLS (TALOS.md §1): a 24 h server cert from the machine CA naming the
// node's IP, client certificates required and verified against the CA plus
// acceptedCAs, and Talos's extra rule that every non-CA certificate of the
// client's chain has ExtKeyUsage exactly [clientAuth]. Go enforces that rule
// inside the handshake, so a refused client never gets a gRPC status; we get
// as close as Node allows by destroying the socket the moment the handshake
// completes, before HTTP/2 reads a single frame.
import { X509Certificate } from "node:crypto";
import type { SecureServerOptions } from "node:http2";
import type { DetailedPeerCertificate, TLSSocket } from "node:tls";
import { fingerprintOf, makeServerCert } from "./pki.js";
import type { ResolvedSpec } from "./spec.js";

const OID_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

/** TLS options for node:http2's createSecureServer; verification is on (a server must verify its clients). */
export async function serverTlsOptions(spec: ResolvedSpec): Promise<SecureServerOptions & { readonly certPem: string }> {
  // The loopback SAN arrived in Talos 1.14 (commit c2eef3645); asking earlier changes nothing.
  const loopback = spec.loopbackSan === true && spec.minor >= 14 && spec.address !== "127.0.0.1";
  const cert =
    spec.serverCert ??
    (await makeServerCert(spec.ca, {
      ips: loopback ? [spec.address, "127.0.0.1"] : [spec.address],
      dnsNames: [spec.hostname],
      commonName: spec.hostname,
    }));
  return {
    certPem: cert.certPem,
    key: cert.keyPem,
    cert: cert.certPem,
    ca: [spec.ca.certPem, ...spec.acceptedCAs],
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: "TLSv1.2",
    // 1.8–1.10 pinned X25519 (crypto: tls/tls.go); later releases use Go's defaults.
    ...(spec.minor <= 10 ? { ecdhCurve: "X25519" } : {}),
    allowHTTP1: false,
  };
}

/** Who called: what RBAC and the call log need from the client certificate. */
export interface Caller {
  readonly roles: readonly string[];
  readonly fingerprint: string;
}

export type PeerCheck = { readonly ok: true; readonly caller: Caller } | { readonly ok: false; readonly reason: string };

/** Inspects a verified client: the EKU rule, then roles from the leaf's Subject O. */
export function checkPeer(socket: TLSSocket, spec: ResolvedSpec): PeerCheck {
  const leaf = socket.getPeerCertificate(true);
  if (!socket.authorized || leaf.raw === undefined) {
    return { ok: false, reason: `client certificate not verified: ${String(socket.authorizationError ?? "none sent")}` };
  }
  if (spec.checkExtKeyUsage) {
    for (const cert of chainOf(leaf)) {
      const parsed = new X509Certificate(cert.raw);
      if (parsed.ca) continue;
      // Node ≥ 23 names it extKeyUsage; keyUsage is the older (now deprecated) name.
      const eku = (parsed as { extKeyUsage?: string[] }).extKeyUsage ?? parsed.keyUsage ?? [];
      if (eku.length !== 1 || eku[0] !== OID_CLIENT_AUTH) {
        return { ok: false, reason: `certificate ${parsed.subject || "(empty subject)"} has ExtKeyUsage [${eku.join(", ")}], want exactly [clientAuth]` };
      }
    }
  }
  const pem = new X509Certificate(leaf.raw).toString();
  return { ok: true, caller: { roles: spec.rbac ? parseRoles(organizations(leaf), spec.minor) : ALL_ROLES, fingerprint: fingerprintOf(pem) } };
}

/** The peer's chain as OpenSSL built it; the root points at itself. */
function chainOf(leaf: DetailedPeerCertificate): DetailedPeerCertificate[] {
  const out: DetailedPeerCertificate[] = [];
  for (let c: DetailedPeerCertificate | undefined = leaf; c !== undefined && !out.includes(c); c = c.issuerCertificate) {
    if (c.raw === undefined) break;
    out.push(c);
  }
  return out;
}

/** Subject O values; Node gives an array when the RDN holds several (Go puts all O values in one RDN). */
function organizations(cert: DetailedPeerCertificate): string[] {
  const o = (cert.subject as unknown as Record<string, string | string[] | undefined> | undefined)?.["O"];
  return o === undefined ? [] : Array.isArray(o) ? o : [o];
}

const ROLES_1_8 = ["os:admin", "os:operator", "os:reader", "os:etcd:backup", "os:impersonator"];
const ROLES_1_13 = [...ROLES_1_8, "os:image:verifier", "os:meta:writer"];
const ALL_ROLES: readonly string[] = ["os:admin"];

/** Talos's role.Parse: unknown strings grant nothing (and do not fail the call). */
export function parseRoles(values: readonly string[], minor: number): string[] {
  const known = minor >= 13 ? ROLES_1_13 : ROLES_1_8;
  return [...new Set(values.filter((v) => known.includes(v)))].sort();
}
