// The one way into @peculiar/x509: installs the Reflect shim it needs before
// it loads and points it at Node's WebCrypto.
import "./reflect-metadata.js";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);

/**
 * DomCryptoKey: @peculiar/x509 is typed against the DOM's WebCrypto types,
 * which this Node-only project does not load; Node's webcrypto keys are the
 * same objects at run time.
 */
export type DomCryptoKey = x509.X509CertificateCreateWithKeyParams["signingKey"];
export type DomSigningAlgorithm = x509.X509CertificateCreateWithKeyParams["signingAlgorithm"];

export { x509 };
