import { X509Certificate, createPrivateKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { x509 } from "../../../src/credentials/x509.js";
import { BACKDATE_MS, mintClientIdentity, needsRenewal } from "../../../src/credentials/certs.js";
import { makeCa, type KeyType } from "./pki.js";

/** The raw DER of the tbsCertificate's issuer and subject Names (Go compares these bytes). */
function rawNames(pem: string): { issuer: Buffer; subject: Buffer } {
  const der = new X509Certificate(pem).raw;
  const tlv = (at: number): { start: number; end: number; body: number } => {
    const first = der[at + 1] ?? 0;
    if (first < 0x80) return { start: at, body: at + 2, end: at + 2 + first };
    const n = first & 0x7f;
    let len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[at + 2 + i] ?? 0);
    return { start: at, body: at + 2 + n, end: at + 2 + n + len };
  };
  const tbs = tlv(tlv(0).body);
  let at = tbs.body;
  const fields: Buffer[] = [];
  while (at < tbs.end && fields.length < 6) {
    const f = tlv(at);
    fields.push(der.subarray(f.start, f.end));
    at = f.end;
  }
  // [0] version, serial, signature algorithm, issuer, validity, subject
  return { issuer: fields[3] ?? Buffer.alloc(0), subject: fields[5] ?? Buffer.alloc(0) };
}

const LEAF_KEY: Record<KeyType, string> = { ed25519: "ed25519", ecdsa: "ec", rsa: "rsa" };

describe("mintClientIdentity()", () => {
  for (const type of ["ed25519", "ecdsa", "rsa"] as const) {
    it(`mints a ${type} client cert that follows Talos's recipe`, async () => {
      const ca = await makeCa(type);
      const now = new Date("2026-08-01T12:00:00.000Z");
      const id = await mintClientIdentity(ca, "os:reader", now, 3600_000);
      const cert = new X509Certificate(id.certPem);
      const caCert = new X509Certificate(ca.certPem);

      expect(cert.subject).toBe("O=os:reader");
      expect(cert.checkIssued(caCert)).toBe(true);
      expect(cert.verify(caCert.publicKey)).toBe(true);
      expect(cert.ca).toBe(false);
      expect(cert.keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]); // Node's keyUsage lists the EKU OIDs
      expect(cert.publicKey.asymmetricKeyType).toBe(LEAF_KEY[type]);
      if (type === "ecdsa") expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
      if (type === "rsa") expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);

      const parsed = new x509.X509Certificate(id.certPem);
      const ku = parsed.getExtension(x509.KeyUsagesExtension);
      expect(ku?.usages).toBe(x509.KeyUsageFlags.digitalSignature);
      expect(ku?.critical).toBe(true);
      expect(parsed.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
      expect(parsed.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([x509.ExtendedKeyUsage.clientAuth]);

      expect(id.keyPem.startsWith("-----BEGIN PRIVATE KEY-----\n")).toBe(true);
      expect(cert.checkPrivateKey(createPrivateKey(id.keyPem))).toBe(true);
      expect(id.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(cert.fingerprint256.replaceAll(":", "").toLowerCase()).toBe(id.fingerprint);
    });
  }

  it("names the CA's subject as issuer byte for byte", async () => {
    const ca = await makeCa("ed25519");
    const id = await mintClientIdentity(ca, "os:admin", new Date(), 60_000);
    expect(rawNames(id.certPem).issuer.equals(rawNames(ca.certPem).subject)).toBe(true);
  });

  it("backdates notBefore by five minutes and ends at now + ttl", async () => {
    const ca = await makeCa("ecdsa");
    const now = new Date("2026-08-01T12:00:00.000Z");
    const id = await mintClientIdentity(ca, "os:admin", now, 7200_000);
    expect(id.notBefore.getTime()).toBe(now.getTime() - BACKDATE_MS);
    expect(id.notAfter.getTime()).toBe(now.getTime() + 7200_000);
    expect(new X509Certificate(id.certPem).subject).toBe("O=os:admin");
  });

  it("uses a positive random serial below 2^128", async () => {
    const ca = await makeCa("ed25519");
    const serials = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const serial = BigInt("0x" + new X509Certificate((await mintClientIdentity(ca, "os:reader", new Date(), 60_000)).certPem).serialNumber);
      expect(serial > 0n && serial < 2n ** 128n).toBe(true);
      serials.add(serial.toString());
    }
    expect(serials.size).toBe(4);
  });

  it("refuses a non-positive ttl", async () => {
    const ca = await makeCa("ed25519");
    await expect(mintClientIdentity(ca, "os:reader", new Date(), 0)).rejects.toThrow(/TTL/);
  });
});

describe("needsRenewal()", () => {
  const identity = {
    role: "os:reader" as const,
    certPem: "",
    keyPem: "",
    notBefore: new Date(1_000_000),
    notAfter: new Date(1_000_000 + 100_000),
    fingerprint: "",
  };

  it("keeps a certificate in its first half-life", () => {
    expect(needsRenewal(identity, new Date(1_000_000))).toBe(false);
    expect(needsRenewal(identity, new Date(1_049_999))).toBe(false);
  });

  it("renews past half-life and after expiry", () => {
    expect(needsRenewal(identity, new Date(1_050_000))).toBe(true);
    expect(needsRenewal(identity, new Date(2_000_000))).toBe(true);
  });

  it("renews when the clock stepped back before notBefore", () => {
    expect(needsRenewal(identity, new Date(999_999))).toBe(true);
  });
});
