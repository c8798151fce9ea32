// The agent's own Talos client (src/talos/client.ts) against a fake node, over
// real mutual TLS: the certificates are minted the way the agent mints them.
import type { FakeNode } from "../../../hack/fake-apid/node.js";
import type { ClusterCa } from "../../../hack/fake-apid/pki.js";
import { loadMachineCa } from "../../../src/credentials/ca.js";
import { mintClientIdentity, type ClientRole } from "../../../src/credentials/certs.js";
import { connectTalos, type TalosClient } from "../../../src/talos/client.js";

const CERT_TTL_MS = 3_600_000;

export async function agentClient(ca: ClusterCa, node: FakeNode, role: ClientRole): Promise<TalosClient> {
  const machineCa = loadMachineCa({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, acceptedCaPems: [] });
  const identity = await mintClientIdentity(machineCa, role, new Date(), CERT_TTL_MS);
  return connectTalos({ address: node.address, port: node.port, identity, trust: machineCa.trustPems });
}

/** Options for one call: a generous deadline (tests never assert timings). */
export const call = (): { signal: AbortSignal; timeoutMs: number } => ({ signal: AbortSignal.timeout(30_000), timeoutMs: 10_000 });
