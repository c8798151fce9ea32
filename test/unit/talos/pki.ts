// Test PKI: machine CAs of the three key types Talos may use and apid-like
// server certificates, all in memory.
import { KeyObject, X509Certificate, createHash, webcrypto } from "node:crypto";
import type { MachineCa } from "../../../src/credentials/ca.js";
import { type DomCryptoKey, type DomSigningAlgorithm as SignAlg, x509 } from "../../../src/credentials/x509.js";

export type KeyType = MachineCa["keyType"];

const GEN: Record<KeyType, { gen: object; sign: object }> = {
  ed25519: { gen: { name: "Ed25519" }, sign: { name: "Ed25519" } },
  ecdsa: { gen: { name: "ECDSA", namedCurve: "P-256" }, sign: { name: "ECDSA", hash: "SHA-256" } },
  rsa: {
    gen: { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    sign: { name: "RSASSA-PKCS1-v1_5" },
  },
};

export interface TestCa extends MachineCa {
  readonly signingKey: webcrypto.CryptoKey;
  readonly keyType: KeyType;
}

async function keyPair(type: KeyType): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(GEN[type].gen as webcrypto.EcKeyGenParams, true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
}

/** makeCa: a self-signed CA shaped like Talos's (O=talos as PrintableString, as Go encodes it). */
export async function makeCa(type: KeyType = "ed25519"): Promise<TestCa> {
  const keys = await keyPair(type);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: new x509.Name([{ O: [{ printableString: "talos" }] }]),
    notBefore: new Date(Date.now() - 3600_000),
    notAfter: new Date(Date.now() + 86400_000),
    keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]["keys"],
    signingAlgorithm: GEN[type].sign as SignAlg,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as unknown as DomCryptoKey),
    ],
  });
  const certPem = cert.toString("pem");
  return {
    certPem,
    key: KeyObject.from(keys.privateKey),
    keyType: type,
    trustPems: [certPem],
    fingerprint: createHash("sha256").update(Buffer.from(cert.rawData)).digest("hex"),
    signingKey: keys.privateKey,
  };
}

export interface LeafOptions {
  readonly ips?: readonly string[];
  readonly usage?: "serverAuth" | "clientAuth";
  readonly organization?: string;
}

/** makeLeaf: an apid-like server cert (EKU serverAuth, IP SANs) or a client cert, from `ca`. */
export async function makeLeaf(ca: TestCa, opts: LeafOptions = {}): Promise<{ certPem: string; keyPem: string }> {
  const keys = await keyPair(ca.keyType);
  const caCert = new x509.X509Certificate(ca.certPem);
  const extensions: x509.Extension[] = [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage[opts.usage ?? "serverAuth"]]),
  ];
  if (opts.ips !== undefined) {
    extensions.push(new x509.SubjectAlternativeNameExtension(opts.ips.map((value) => ({ type: "ip" as const, value }))));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: "0a" + Math.floor(Math.random() * 1e9).toString(16),
    subject: opts.organization !== undefined ? `O=${opts.organization}` : "CN=node-1",
    issuer: caCert.subjectName,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86400_000),
    publicKey: keys.publicKey as unknown as DomCryptoKey,
    signingKey: ca.signingKey as unknown as DomCryptoKey,
    signingAlgorithm: GEN[ca.keyType].sign as SignAlg,
    extensions,
  });
  return {
    certPem: new X509Certificate(Buffer.from(cert.rawData)).toString(),
    keyPem: KeyObject.from(keys.privateKey).export({ format: "pem", type: "pkcs8" }).toString(),
  };
}
