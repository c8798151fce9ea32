// Contract placeholder: implemented by the credentials work (see README).
import type { KeyObject } from "node:crypto";

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
