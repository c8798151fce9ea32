import { X509Certificate, createPrivateKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { makeClientCert, makeClusterCa, makeServerCert } from "../../../hack/fake-apid/pki.js";

const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

describe("makeClusterCa()", () => {
  it.each([
    ["ed25519", "ED25519 PRIVATE KEY"],
    ["ecdsa", "EC PRIVATE KEY"],
    ["rsa", "RSA PRIVATE KEY"],
  ] as const)("mints an O=talos %s CA with Talos's PEM label %s", async (type, label) => {
    const ca = await makeClusterCa(type);
    const cert = new X509Certificate(ca.certPem);
    expect(ca.keyPem.startsWith(`-----BEGIN ${label}-----\n`)).toBe(true);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe("O=talos");
    expect(cert.keyUsage).toEqual([SERVER_AUTH, CLIENT_AUTH]);
    expect(cert.checkPrivateKey(ca.keyObject)).toBe(true);
  });

  it("writes the Ed25519 key as PKCS#8 DER under the non-standard label", async () => {
    const ca = await makeClusterCa("ed25519");
    const der = Buffer.from(ca.keyPem.split("\n").slice(1, -2).join(""), "base64");
    expect(createPrivateKey({ key: der, format: "der", type: "pkcs8" }).asymmetricKeyType).toBe("ed25519");
  });
});

describe("makeServerCert()", () => {
  it("mints an apid-like cert: IP SAN, EKU [serverAuth], not backdated, 24 h", async () => {
    const ca = await makeClusterCa("ecdsa");
    const before = Date.now();
    const leaf = await makeServerCert(ca, { ips: ["127.0.0.7"], dnsNames: ["talos-a"] });
    const cert = new X509Certificate(leaf.certPem);
    expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe("IP Address:127.0.0.7, DNS:talos-a");
    expect(cert.keyUsage).toEqual([SERVER_AUTH]);
    expect(cert.ca).toBe(false);
    const notBefore = Date.parse(cert.validFrom);
    expect(notBefore).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(Date.parse(cert.validTo) - notBefore).toBe(24 * 3_600_000);
  });
});

describe("makeClientCert()", () => {
  it("puts the sorted roles in Subject O and EKU [clientAuth] by default", async () => {
    const ca = await makeClusterCa("ed25519");
    const cert = new X509Certificate((await makeClientCert(ca, ["os:reader", "os:admin"])).certPem);
    expect(cert.subject).toBe("O=os:admin + O=os:reader");
    expect(cert.keyUsage).toEqual([CLIENT_AUTH]);
    expect(cert.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
  });

  it("mints the EKUs asked for, to test refusals", async () => {
    const ca = await makeClusterCa("ed25519");
    const cert = new X509Certificate((await makeClientCert(ca, ["os:admin"], { eku: ["clientAuth", "serverAuth"] })).certPem);
    expect(cert.keyUsage).toEqual([CLIENT_AUTH, SERVER_AUTH]);
  });
});
