// TLS material for talking to apid: our client identity, the machine CA (and
// accepted CAs) as the only trust roots, and a peer check against the IP we
// dialed — the same checks talosctl makes, never fewer.
import { createHash, X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { checkServerIdentity, createSecureContext, type PeerCertificate, type SecureContext } from "node:tls";
import type { ClientIdentity } from "../credentials/certs.js";

/** Where our trust comes from: machine.ca.crt + machine.acceptedCAs, PEM. */
export type TrustPems = readonly string[];

const contexts = new WeakMap<ClientIdentity, { trust: TrustPems; context: SecureContext }>();

/**
 * secureContextFor builds (once per identity and trust list) the context every
 * connection with that identity shares: parsing keys and CAs is the expensive
 * part of a TLS client, and a scan opens hundreds of connections.
 */
export function secureContextFor(identity: ClientIdentity, trust: TrustPems): SecureContext {
  const cached = contexts.get(identity);
  if (cached !== undefined && cached.trust === trust) return cached.context;
  if (trust.length === 0) throw new Error("no trusted CA: refusing to build a TLS context");
  const context = createSecureContext({
    ca: [...trust],
    cert: identity.certPem,
    key: identity.keyPem,
    // Talos ≥1.8 offers TLS 1.2 and 1.3 (TALOS.md §1); nothing older.
    minVersion: "TLSv1.2",
  });
  contexts.set(identity, { trust, context });
  return context;
}

/** Marks the message of our own peer-check failures so they are recognised later. */
export const FOREIGN_MARK = "not verified by the machine CA";

/**
 * peerCheck returns the checkServerIdentity callback for one dialed address.
 * Node calls it only after the chain verified against our trust roots; it then
 * requires the dialed IP among the certificate's IP SANs. The host name Node
 * or grpc-js passes in is ignored on purpose: we check the address we dialed,
 * so no "ssl_target_name_override" is needed, and a Talos cert without that IP
 * (another node's cert replayed, or a pre-1.14 cert on 127.0.0.1) is refused.
 * `onForeign` learns the reason, because grpc-js keeps only an error's text;
 * `onVerified` learns the server key (serverKeyOf) of a certificate that passed.
 */
export function peerCheck(
  dialed: string,
  onForeign?: (reason: string) => void,
  onVerified?: (serverKey: string) => void,
): (host: string, cert: PeerCertificate) => Error | undefined {
  if (isIP(dialed) === 0) throw new Error(`not an IP address: ${dialed}`);
  return (_host, cert) => {
    const failure = checkServerIdentity(dialed, cert);
    if (failure === undefined) {
      onVerified?.(serverKeyOf(cert));
      return undefined;
    }
    const reason = `${FOREIGN_MARK}: ${failure.message}`;
    onForeign?.(reason);
    return Object.assign(new Error(reason, { cause: failure }), { code: "ERR_TLS_CERT_ALTNAME_INVALID" });
  };
}

/**
 * serverKeyOf names the host behind a verified apid certificate: the SHA-256
 * of its public key (SPKI, DER), hex. Talos makes a fresh key with every apid
 * certificate, so two addresses behind one key are one host, now; the core
 * compares keys within one pass only (docs/consent.md, "One host, one vote").
 */
export function serverKeyOf(cert: Pick<PeerCertificate, "raw">): string {
  const spki = new X509Certificate(cert.raw).publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("hex");
}

/** hostPort formats an address for a gRPC target or a log line ("[::1]:50000"). */
export function hostPort(address: string, port: number): string {
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * isHandshakeFailure: the kinds (talos/errors.ts) of a TLS handshake that
 * failed on a certificate: theirs is not from our CA, names another address,
 * or is expired or not yet valid ("foreign"), or they refused ours
 * ("tls-rejected"). Unlike a refused or silent port, these do not pass by
 * waiting, so the agent reports them at warn level.
 */
export function isHandshakeFailure(kind: string): boolean {
  return kind === "foreign" || kind === "tls-rejected";
}
