// Test PKI shaped like Talos's (crypto: x509/certificate_authority.go,
// talos: controllers/secrets/api.go, generate/secrets/ca.go): the fake node and
// the tests mint every certificate here, so the agent meets Talos's shapes.
import { X509Certificate as NodeX509, randomBytes, type KeyObject } from "node:crypto";
import { x509 } from "../../src/credentials/x509.js";
import { generateKeyPair, keyAlgorithm, keyTypeOf, nodeKeyPem, parseTalosKeyPem, signingKey, talosKeyPem, type KeyType } from "./keys.js";

const HOUR_MS = 3_600_000;
const OID_SERVER_AUTH = x509.ExtendedKeyUsage.serverAuth;
const OID_CLIENT_AUTH = x509.ExtendedKeyUsage.clientAuth;

export type { KeyType } from "./keys.js";
export type Eku = "serverAuth" | "clientAuth";

/** A cluster (machine) CA: PEMs as in machine.ca, and the key as a KeyObject. */
export interface ClusterCa {
  readonly certPem: string;
  /** Talos's label: ED25519 PRIVATE KEY (PKCS#8), EC PRIVATE KEY (SEC1), RSA PRIVATE KEY (PKCS#1). */
  readonly keyPem: string;
  readonly keyObject: KeyObject;
  readonly keyType: KeyType;
}

/** A leaf: certificate and a PKCS#8 key PEM that Node's TLS loads for every key type. */
export interface LeafCert {
  readonly certPem: string;
  readonly keyPem: string;
  /** SHA-256 of the DER, lower-case hex without colons. */
  readonly fingerprint: string;
}

/** makeClusterCa mints a CA like `talosctl gen secrets`: O=talos, 10 years, EKU [serverAuth, clientAuth]. */
export async function makeClusterCa(keyType: KeyType, opts: { validityMs?: number } = {}): Promise<ClusterCa> {
  const keys = await generateKeyPair(keyType);
  const now = new Date();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: [{ O: ["talos"] }],
    notBefore: now,
    notAfter: new Date(now.getTime() + (opts.validityMs ?? 87_600 * HOUR_MS)),
    signingAlgorithm: keyAlgorithm(keyType).sign,
    keys: { privateKey: keys.privateKey, publicKey: keys.publicKey },
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([OID_SERVER_AUTH, OID_CLIENT_AUTH]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString("pem") + "\n", keyPem: talosKeyPem(keys.keyObject), keyObject: keys.keyObject, keyType };
}

/** Only what signing needs: a CA as found in a spec file (PEMs) or from makeClusterCa. */
export interface CaPems {
  readonly certPem: string;
  readonly keyPem: string;
}

/**
 * makeServerCert mints an apid server certificate: key type follows the CA,
 * KeyUsage digitalSignature, EKU [serverAuth], NotBefore = now (no backdating), 24 h.
 */
export async function makeServerCert(ca: CaPems, sans: { ips: readonly string[]; dnsNames: readonly string[]; commonName?: string }): Promise<LeafCert> {
  const names = [...sans.ips.map((v) => ({ type: "ip" as const, value: v })), ...sans.dnsNames.map((v) => ({ type: "dns" as const, value: v }))];
  return signLeaf(ca, {
    subject: sans.commonName === undefined ? [] : [{ CN: [sans.commonName] }],
    eku: ["serverAuth"],
    validityMs: 24 * HOUR_MS,
    extra: names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : [],
  });
}

/**
 * makeClientCert mints a client certificate like `talosctl gen config`'s admin one:
 * Subject O = sorted roles, no CN. `eku` defaults to [clientAuth]; other values
 * exist to test that the node refuses them.
 */
export async function makeClientCert(ca: CaPems, roles: readonly string[], opts: { eku?: readonly Eku[]; validityMs?: number; notBefore?: Date } = {}): Promise<LeafCert> {
  return signLeaf(ca, {
    subject: roles.length > 0 ? [{ O: [...roles].sort() }] : [],
    eku: opts.eku ?? ["clientAuth"],
    validityMs: opts.validityMs ?? 8760 * HOUR_MS,
    extra: [],
    ...(opts.notBefore === undefined ? {} : { notBefore: opts.notBefore }),
  });
}

interface LeafTemplate {
  readonly subject: x509.JsonName;
  readonly eku: readonly Eku[];
  readonly validityMs: number;
  readonly extra: readonly x509.Extension[];
  readonly notBefore?: Date;
}

async function signLeaf(ca: CaPems, t: LeafTemplate): Promise<LeafCert> {
  const caKey = parseTalosKeyPem(ca.keyPem);
  const keyType = keyTypeOf(caKey);
  const caCert = new x509.X509Certificate(ca.certPem);
  const keys = await generateKeyPair(keyType);
  const notBefore = t.notBefore ?? new Date();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: t.subject,
    issuer: caCert.subject,
    notBefore,
    notAfter: new Date(notBefore.getTime() + t.validityMs),
    signingAlgorithm: keyAlgorithm(keyType).sign,
    publicKey: keys.publicKey,
    signingKey: await signingKey(caKey),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(t.eku.map((e) => (e === "serverAuth" ? OID_SERVER_AUTH : OID_CLIENT_AUTH))),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
      ...t.extra,
    ],
  });
  const certPem = cert.toString("pem") + "\n";
  return { certPem, keyPem: nodeKeyPem(keys.keyObject), fingerprint: fingerprintOf(certPem) };
}

/** SHA-256 of a certificate's DER, lower-case hex: how logs name a caller. */
export function fingerprintOf(certPem: string): string {
  return new NodeX509(certPem).fingerprint256.replaceAll(":", "").toLowerCase();
}

/** Random positive serial below 2^128, as Go's crypto does. */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString("hex");
}
