// Keys for the test PKI: generated with webcrypto (what @peculiar/x509 signs
// with) and written with the PEM labels Talos's crypto library uses, so the
// agent's config parsing meets the same bytes it meets on a real node.
import { KeyObject, createPrivateKey, webcrypto } from "node:crypto";

export type KeyType = "ed25519" | "ecdsa" | "rsa";

type Subtle = webcrypto.SubtleCrypto;
type CryptoKey = webcrypto.CryptoKey;
const subtle: Subtle = webcrypto.subtle;

/** Algorithm parameters for generating, importing and signing with each key type. */
export interface KeyAlgorithm {
  readonly gen: webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams | webcrypto.Algorithm;
  readonly imp: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams | webcrypto.Algorithm;
  readonly sign: webcrypto.EcdsaParams | webcrypto.Algorithm;
}

export function keyAlgorithm(type: KeyType): KeyAlgorithm {
  switch (type) {
    case "ed25519":
      return { gen: { name: "Ed25519" }, imp: { name: "Ed25519" }, sign: { name: "Ed25519" } };
    case "ecdsa":
      return {
        gen: { name: "ECDSA", namedCurve: "P-256" },
        imp: { name: "ECDSA", namedCurve: "P-256" },
        sign: { name: "ECDSA", hash: "SHA-256" },
      };
    case "rsa":
      // Talos's RSA CAs sign with SHA-512 (crypto: x509/options.go RSA()); 2048 bits
      // instead of Talos's 4096 keeps test key generation fast.
      return {
        gen: { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-512" },
        imp: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-512" },
        sign: { name: "RSASSA-PKCS1-v1_5" },
      };
    default: {
      const never: never = type;
      throw new Error(`unknown key type ${String(never)}`);
    }
  }
}

export interface KeyPair {
  readonly type: KeyType;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly keyObject: KeyObject;
}

export async function generateKeyPair(type: KeyType): Promise<KeyPair> {
  const pair = (await subtle.generateKey(keyAlgorithm(type).gen, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  return { type, privateKey: pair.privateKey, publicKey: pair.publicKey, keyObject: KeyObject.from(pair.privateKey) };
}

/** Talos's PEM for a private key (crypto: x509/constants.go): the label names the algorithm. */
export function talosKeyPem(key: KeyObject): string {
  const type = keyTypeOf(key);
  switch (type) {
    case "ed25519": {
      // Talos keeps PKCS#8 DER but labels it "ED25519 PRIVATE KEY" (non-standard).
      const der = key.export({ format: "der", type: "pkcs8" });
      return pem("ED25519 PRIVATE KEY", der);
    }
    case "ecdsa":
      return key.export({ format: "pem", type: "sec1" }).toString();
    case "rsa":
      return key.export({ format: "pem", type: "pkcs1" }).toString();
    default: {
      const never: never = type;
      throw new Error(`unknown key type ${String(never)}`);
    }
  }
}

/** A PKCS#8 "PRIVATE KEY" PEM: the form Node's TLS accepts for every key type. */
export function nodeKeyPem(key: KeyObject): string {
  return key.export({ format: "pem", type: "pkcs8" }).toString();
}

/** Parses any of Talos's private-key PEMs (OpenSSL rejects the Ed25519 label, so we relabel). */
export function parseTalosKeyPem(keyPem: string): KeyObject {
  return createPrivateKey(keyPem.replace(/-----(BEGIN|END) ED25519 PRIVATE KEY-----/g, "-----$1 PRIVATE KEY-----"));
}

export function keyTypeOf(key: KeyObject): KeyType {
  switch (key.asymmetricKeyType) {
    case "ed25519":
      return "ed25519";
    case "ec":
      return "ecdsa";
    case "rsa":
      return "rsa";
    default:
      throw new Error(`unsupported key type ${String(key.asymmetricKeyType)}`);
  }
}

/** Turns a KeyObject into a webcrypto signing key (KeyObject.toCryptoKey is Node ≥ 23 only). */
export async function signingKey(key: KeyObject): Promise<CryptoKey> {
  const der = key.export({ format: "der", type: "pkcs8" });
  return subtle.importKey("pkcs8", der, keyAlgorithm(keyTypeOf(key)).imp, false, ["sign"]);
}

function pem(label: string, der: Buffer): string {
  const b64 = der.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
