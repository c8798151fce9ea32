// The machine CA, loaded from the machine config. Talos labels its private
// keys by algorithm (TALOS.md §7), and the Ed25519 label is one OpenSSL does
// not know, so the PEM is unwrapped here and the DER loaded by its label.
import { type KeyObject, X509Certificate, createHash, createPrivateKey } from "node:crypto";
import { CredentialsError } from "./errors.js";
import type { MachineConfigCredentials } from "./machine-config.js";

/** The machine CA, loaded from config.yaml; the key never leaves memory. */
export interface MachineCa {
  /** The machine CA certificate, PEM. */
  readonly certPem: string;
  /** The CA private key (Ed25519, ECDSA P-256 or RSA). */
  readonly key: KeyObject;
  readonly keyType: "ed25519" | "ecdsa" | "rsa";
  /** PEMs a peer's server certificate may chain to: machine.ca.crt + machine.acceptedCAs. */
  readonly trustPems: readonly string[];
  /** SHA-256 of the CA certificate's DER, lower-case hex: names the cluster in logs and ballots. */
  readonly fingerprint: string;
}

/** The DER encoding behind each PEM label Talos (and user-supplied CAs) may use. */
const KEY_LABELS: Readonly<Record<string, "pkcs8" | "sec1" | "pkcs1">> = {
  "ED25519 PRIVATE KEY": "pkcs8", // Talos: PKCS#8 under a non-standard label
  "EC PRIVATE KEY": "sec1",
  "RSA PRIVATE KEY": "pkcs1",
  "PRIVATE KEY": "pkcs8",
};

/** Curves Go's x509 and our certificate minting both handle. */
const EC_CURVES = new Set(["prime256v1", "secp384r1", "secp521r1"]);

const caInvalid = (message: string): CredentialsError => new CredentialsError("ca-invalid", message);

/**
 * CA_CLOCK_SKEW_MS: how far ahead of our clock the CA's NotBefore may be.
 * The agent starts after time sync, but a CA made a moment ago on a machine
 * whose clock runs a little fast is still the right CA: the same 5 minutes
 * our client certificates are backdated by (certs.ts).
 */
export const CA_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * loadMachineCa checks the CA (a CA, within its validity, matching its key)
 * and returns it ready to sign. An expired or not yet valid CA is an error
 * here, at load: waiting would not fix it, and every handshake would fail.
 */
export function loadMachineCa(
  config: Pick<MachineConfigCredentials, "caCertPem" | "caKeyPem" | "acceptedCaPems">,
  now: Date = new Date(),
): MachineCa {
  if (config.caKeyPem === null) throw new CredentialsError("ca-key-missing", "machine.ca.key is empty");
  const cert = parseCertificate(config.caCertPem, "machine.ca.crt");
  if (!cert.ca) throw caInvalid("machine.ca.crt is not a CA certificate");
  checkValidity(cert, now);
  const key = parsePrivateKey(config.caKeyPem);
  const keyType = keyTypeOf(key);
  if (!cert.checkPrivateKey(key)) throw caInvalid("machine.ca.key does not match machine.ca.crt");
  const accepted = config.acceptedCaPems.map((pem, i) => parseCertificate(pem, `machine.acceptedCAs[${i}].crt`));
  return {
    certPem: cert.toString(),
    key,
    keyType,
    trustPems: [cert, ...accepted].map((c) => c.toString()),
    fingerprint: createHash("sha256").update(cert.raw).digest("hex"),
  };
}

function checkValidity(cert: X509Certificate, now: Date): void {
  const notBefore = Date.parse(cert.validFrom);
  const notAfter = Date.parse(cert.validTo);
  if (Number.isNaN(notBefore) || Number.isNaN(notAfter)) throw caInvalid("machine.ca.crt has an unreadable validity period");
  const at = now.toISOString();
  if (now.getTime() > notAfter) {
    throw new CredentialsError("ca-expired", `machine.ca.crt expired at ${new Date(notAfter).toISOString()} (now ${at}): rotate the machine CA`);
  }
  if (now.getTime() + CA_CLOCK_SKEW_MS < notBefore) {
    throw new CredentialsError("ca-not-yet-valid", `machine.ca.crt is valid only from ${new Date(notBefore).toISOString()} (now ${at}): check this node's clock`);
  }
}

function parseCertificate(pem: string, field: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw caInvalid(`${field} is not an X.509 certificate`);
  }
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END \1-----/;

/** parsePrivateKey loads the first PEM block by its label; the DER copy is wiped. */
function parsePrivateKey(pem: string): KeyObject {
  const block = PEM_BLOCK.exec(pem);
  if (block === null) throw caInvalid("machine.ca.key holds no unencrypted PEM private key");
  const label = block[1] as string;
  const type = KEY_LABELS[label];
  if (type === undefined) throw caInvalid(`machine.ca.key has unsupported PEM label "${label}"`);
  const der = Buffer.from(block[2] as string, "base64");
  try {
    return createPrivateKey({ key: der, format: "der", type });
  } catch (err) {
    // OpenSSL's messages name the failure, never the bytes.
    throw new CredentialsError("ca-invalid", `machine.ca.key (${label}) does not parse`, { cause: err });
  } finally {
    der.fill(0);
  }
}

function keyTypeOf(key: KeyObject): MachineCa["keyType"] {
  switch (key.asymmetricKeyType) {
    case "ed25519":
      return "ed25519";
    case "ec": {
      const curve = key.asymmetricKeyDetails?.namedCurve ?? "";
      if (!EC_CURVES.has(curve)) throw caInvalid(`machine.ca.key uses unsupported curve ${curve}`);
      return "ecdsa";
    }
    case "rsa":
      return "rsa";
    default:
      throw caInvalid(`machine.ca.key has unsupported type ${String(key.asymmetricKeyType)}`);
  }
}
