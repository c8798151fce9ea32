import { X509Certificate, createHash, createPrivateKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadMachineCa } from "../../../src/credentials/ca.js";
import { CredentialsError } from "../../../src/credentials/errors.js";
import { talosKeyPem } from "../../helpers/talos-config.js";
import { type KeyType, makeCa, makeLeaf } from "../talos/pki.js";

function errorOf(fn: () => unknown): CredentialsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CredentialsError);
    return err as CredentialsError;
  }
  throw new Error("expected an error");
}

const LABELS: Record<KeyType, string> = {
  ed25519: "ED25519 PRIVATE KEY",
  ecdsa: "EC PRIVATE KEY",
  rsa: "RSA PRIVATE KEY",
};

describe("loadMachineCa()", () => {
  it.each(["ed25519", "ecdsa", "rsa"] as const)("loads a %s CA key under Talos's label", async (type) => {
    const ca = await makeCa(type);
    const keyPem = talosKeyPem(ca.key);
    expect(keyPem.startsWith(`-----BEGIN ${LABELS[type]}-----\n`)).toBe(true);
    const loaded = loadMachineCa({ caCertPem: ca.certPem, caKeyPem: keyPem, acceptedCaPems: [] });
    expect(loaded.keyType).toBe(type);
    expect(loaded.key.asymmetricKeyType).toBe(ca.key.asymmetricKeyType);
    expect(loaded.key.export({ format: "der", type: "pkcs8" })).toEqual(ca.key.export({ format: "der", type: "pkcs8" }));
  });

  it("exists because Node refuses Talos's Ed25519 label on its own", async () => {
    const ca = await makeCa("ed25519");
    expect(() => createPrivateKey(talosKeyPem(ca.key))).toThrow();
  });

  it.each(["ed25519", "ecdsa", "rsa"] as const)("loads a %s CA key as PKCS#8 \"PRIVATE KEY\"", async (type) => {
    const ca = await makeCa(type);
    const keyPem = talosKeyPem(ca.key, { pkcs8: true });
    expect(keyPem.startsWith("-----BEGIN PRIVATE KEY-----\n")).toBe(true);
    expect(loadMachineCa({ caCertPem: ca.certPem, caKeyPem: keyPem, acceptedCaPems: [] }).keyType).toBe(type);
  });

  it("names the cluster by the SHA-256 of the CA's DER and trusts the accepted CAs too", async () => {
    const ca = await makeCa("ed25519");
    const old = await makeCa("ecdsa");
    const loaded = loadMachineCa({ caCertPem: ca.certPem, caKeyPem: talosKeyPem(ca.key), acceptedCaPems: [old.certPem] });
    const der = new X509Certificate(ca.certPem).raw;
    expect(loaded.fingerprint).toBe(createHash("sha256").update(der).digest("hex"));
    expect(loaded.fingerprint).toBe(ca.fingerprint);
    expect(loaded.trustPems.map((p) => new X509Certificate(p).fingerprint256)).toEqual([
      new X509Certificate(ca.certPem).fingerprint256,
      new X509Certificate(old.certPem).fingerprint256,
    ]);
  });

  // makeCa's CA is valid from an hour ago to a day ahead.
  it("refuses an expired or not yet valid CA at load, with a kind of its own", async () => {
    const ca = await makeCa("ed25519");
    const config = { caCertPem: ca.certPem, caKeyPem: talosKeyPem(ca.key), acceptedCaPems: [] };
    const expired = errorOf(() => loadMachineCa(config, new Date(Date.now() + 2 * 86_400_000)));
    expect(expired.kind).toBe("ca-expired");
    expect(expired.message).toMatch(/machine.ca.crt expired at .*rotate the machine CA/);
    const early = errorOf(() => loadMachineCa(config, new Date(Date.now() - 2 * 3_600_000)));
    expect(early.kind).toBe("ca-not-yet-valid");
    expect(early.message).toMatch(/valid only from .*check this node's clock/);
    // A clock a minute behind the CA's creation is within the tolerated skew.
    expect(loadMachineCa(config, new Date(Date.now() - 3_600_000 - 60_000)).keyType).toBe("ed25519");
  });

  it("refuses a key that does not match the certificate, without showing either", async () => {
    const ca = await makeCa("ed25519");
    const other = await makeCa("ed25519");
    const keyPem = talosKeyPem(other.key);
    const err = errorOf(() => loadMachineCa({ caCertPem: ca.certPem, caKeyPem: keyPem, acceptedCaPems: [] }));
    expect([err.kind, err.message]).toEqual(["ca-invalid", "machine.ca.key does not match machine.ca.crt"]);
  });

  it("refuses a certificate that is not a CA", async () => {
    const ca = await makeCa("ecdsa");
    const leaf = await makeLeaf(ca, { usage: "clientAuth", organization: "os:admin" });
    const err = errorOf(() => loadMachineCa({ caCertPem: leaf.certPem, caKeyPem: leaf.keyPem, acceptedCaPems: [] }));
    expect([err.kind, err.message]).toEqual(["ca-invalid", "machine.ca.crt is not a CA certificate"]);
  });

  it("reports a missing key as ca-key-missing", async () => {
    const ca = await makeCa("ed25519");
    expect(errorOf(() => loadMachineCa({ caCertPem: ca.certPem, caKeyPem: null, acceptedCaPems: [] })).kind).toBe("ca-key-missing");
  });

  it("refuses unknown labels, encrypted keys, garbage and bad accepted CAs", async () => {
    const ca = await makeCa("ed25519");
    const good = talosKeyPem(ca.key);
    const body = good.split("\n").slice(1, -2).join("\n");
    const cases: [string, string, readonly string[], RegExp][] = [
      [ca.certPem, `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${body}\n-----END ENCRYPTED PRIVATE KEY-----\n`, [], /unsupported PEM label/],
      [ca.certPem, `-----BEGIN EC PRIVATE KEY-----\n${body}\n-----END EC PRIVATE KEY-----\n`, [], /\(EC PRIVATE KEY\) does not parse/],
      [ca.certPem, "not a pem", [], /no unencrypted PEM private key/],
      ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", good, [], /machine.ca.crt is not an X.509/],
      [ca.certPem, good, ["garbage"], /machine.acceptedCAs\[0\].crt is not an X.509/],
    ];
    for (const [caCertPem, caKeyPem, acceptedCaPems, message] of cases) {
      const err = errorOf(() => loadMachineCa({ caCertPem, caKeyPem, acceptedCaPems }));
      expect([err.kind, err.message]).toEqual(["ca-invalid", expect.stringMatching(message)]);
      expect(err.message).not.toContain(body.slice(0, 20));
    }
  });
});
