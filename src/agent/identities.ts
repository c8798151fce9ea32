// The agent's two client certificates, minted in memory from the machine CA
// and renewed at half-life or after a clock step (needsRenewal), so an agent
// that waits for days keeps working. Only fingerprints are ever logged.
import type { MachineCa } from "../credentials/ca.js";
import { mintClientIdentity, needsRenewal, type ClientIdentity, type ClientRole } from "../credentials/certs.js";
import type { Logger } from "../log.js";

/** CERT_TTL_MS: short, because nothing revokes a leaked client certificate. */
export const CERT_TTL_MS = 60 * 60 * 1000;

export type Identities = (role: ClientRole) => Promise<ClientIdentity>;

export function createIdentities(ca: MachineCa, log: Logger, now: () => Date = () => new Date()): Identities {
  const current = new Map<ClientRole, Promise<ClientIdentity>>();
  return async (role) => {
    const held = current.get(role);
    if (held !== undefined && !needsRenewal(await held, now())) return held;
    const minted = mintClientIdentity(ca, role, now(), CERT_TTL_MS);
    current.set(role, minted);
    const id = await minted.catch((err: unknown) => {
      current.delete(role);
      throw err;
    });
    log.info({ role, fingerprint: id.fingerprint, notAfter: id.notAfter.toISOString() }, "client certificate minted");
    return id;
  };
}
