// Client certificates for the Talos API, minted in memory from the machine CA
// with Talos's own recipe (TALOS.md §8), so apid's EKU and RBAC checks accept
// them on every version from 1.8 on.
import { KeyObject, X509Certificate, createHash, randomBytes, webcrypto } from "node:crypto";
import type { MachineCa } from "./ca.js";
import { type DomCryptoKey, x509 } from "./x509.js";

export type ClientRole = "os:reader" | "os:admin";

/** A client certificate and its key; the key only ever lives in memory. */
export interface ClientIdentity {
  readonly role: ClientRole;
  readonly certPem: string;
  /** PKCS#8, label "PRIVATE KEY" (Node rejects Talos's "ED25519 PRIVATE KEY"). */
  readonly keyPem: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SHA-256 of the certificate DER, lower-case hex: safe to log, names the identity. */
  readonly fingerprint: string;
}

/**
 * BACKDATE_MS: Talos mints with NotBefore = now, but our certificate is checked
 * by other nodes whose clocks, before their first NTP sync, may run behind ours;
 * a cert "from the future" fails the handshake, so we start it 5 minutes early.
 */
export const BACKDATE_MS = 5 * 60 * 1000;

interface Algorithms {
  /** How the CA key is imported into WebCrypto and how it signs. */
  readonly caImport: webcrypto.AlgorithmIdentifier | webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams;
  readonly signing: webcrypto.AlgorithmIdentifier | webcrypto.EcdsaParams;
  /** The leaf's own key: same family as the CA, as Go's crypto does it. */
  readonly leaf: webcrypto.AlgorithmIdentifier | webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams;
}

const CURVES: Readonly<Record<string, { curve: string; hash: string }>> = {
  prime256v1: { curve: "P-256", hash: "SHA-256" },
  secp384r1: { curve: "P-384", hash: "SHA-384" },
  secp521r1: { curve: "P-521", hash: "SHA-512" },
};

function algorithmsFor(key: KeyObject): Algorithms {
  const type = key.asymmetricKeyType;
  switch (type) {
    case "ed25519":
      return { caImport: { name: "Ed25519" }, signing: { name: "Ed25519" }, leaf: { name: "Ed25519" } };
    case "ec": {
      const named = CURVES[key.asymmetricKeyDetails?.namedCurve ?? ""];
      if (named === undefined) throw new Error(`unsupported CA curve ${key.asymmetricKeyDetails?.namedCurve}`);
      return {
        caImport: { name: "ECDSA", namedCurve: named.curve },
        signing: { name: "ECDSA", hash: named.hash },
        leaf: { name: "ECDSA", namedCurve: "P-256" },
      };
    }
    case "rsa":
      return {
        caImport: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
        signing: { name: "RSASSA-PKCS1-v1_5" },
        leaf: {
          name: "RSASSA-PKCS1-v1_5",
          modulusLength: 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: "SHA-256",
        },
      };
    default:
      throw new Error(`unsupported CA key type ${String(type)}`);
  }
}

/** The CA key as a non-extractable CryptoKey; the DER copy is wiped at once. */
async function importCaKey(key: KeyObject, algorithm: Algorithms["caImport"]): Promise<webcrypto.CryptoKey> {
  const der = key.export({ format: "der", type: "pkcs8" });
  try {
    return await webcrypto.subtle.importKey("pkcs8", der, algorithm, false, ["sign"]);
  } finally {
    der.fill(0);
  }
}

/** A positive serial below 2^128 with its top bits fixed, so its DER never needs padding. */
function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString("hex");
}

/**
 * mintClientIdentity issues a client certificate for `role`, signed by the
 * machine CA: subject O=<role> and no CN, KeyUsage digitalSignature, EKU
 * exactly [clientAuth] (apid refuses anything else), not a CA.
 */
export async function mintClientIdentity(
  ca: MachineCa,
  role: ClientRole,
  now: Date,
  ttlMs: number,
): Promise<ClientIdentity> {
  if (!(ttlMs > 0)) throw new Error(`certificate TTL must be positive, got ${ttlMs}`);
  const algorithms = algorithmsFor(ca.key);
  const caCert = new x509.X509Certificate(ca.certPem);
  const signingKey = await importCaKey(ca.key, algorithms.caImport);
  const keys = (await webcrypto.subtle.generateKey(algorithms.leaf, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;

  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
  ];
  const caKeyId = caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  if (caKeyId !== undefined) extensions.push(new x509.AuthorityKeyIdentifierExtension(caKeyId, false));

  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  const notAfter = new Date(now.getTime() + ttlMs);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject: new x509.Name([{ O: [role] }]),
    // The CA's own encoded subject, so issuer and subject match byte for byte
    // (Go looks parents up by raw subject).
    issuer: caCert.subjectName,
    notBefore,
    notAfter,
    publicKey: keys.publicKey as unknown as DomCryptoKey,
    signingKey: signingKey as unknown as DomCryptoKey,
    signingAlgorithm: algorithms.signing,
    extensions,
  });

  const der = Buffer.from(cert.rawData);
  const keyPem = KeyObject.from(keys.privateKey).export({ format: "pem", type: "pkcs8" }).toString();
  return {
    role,
    certPem: new X509Certificate(der).toString(),
    keyPem,
    // X.509 stores whole seconds: report what the certificate really says.
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    fingerprint: createHash("sha256").update(der).digest("hex"),
  };
}

/**
 * needsRenewal: past half of the validity (as Talos re-mints its own certs),
 * or the clock is now before notBefore — it stepped back, and peers with the
 * corrected time may refuse the cert.
 */
export function needsRenewal(identity: ClientIdentity, now: Date): boolean {
  const start = identity.notBefore.getTime();
  const end = identity.notAfter.getTime();
  const t = now.getTime();
  return t < start || t >= start + (end - start) / 2;
}
