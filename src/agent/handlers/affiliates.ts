// Talos's own view of the cluster, read from this node's OWN apid with the
// reader certificate: its node id (Identities/local) and the Affiliates it
// lists (docs/talos-facts.md §1). A local call; its answer only says where
// to look, never who counts: every listed address is verified by mutual TLS
// like any other. Every failure is a value.
import { nodeIdOf, type ListedAffiliate } from "../../discovery/affiliates.js";
import { NODE_IDENTITY, type CallOptions, type TalosClient } from "../../talos/client.js";

export type AffiliatesRead =
  | { readonly kind: "listed"; readonly selfNodeId: string; readonly affiliates: readonly ListedAffiliate[] }
  | { readonly kind: "failed"; readonly reason: string };

const AFFILIATES = { namespace: "cluster", type: "Affiliates.cluster.talos.dev" } as const;
/** One affiliate per node; controlPlanePeers looks at the first 128, a longer list is refused whole. */
export const MAX_LISTED_AFFILIATES = 512;
/** A Talos affiliate spec is under 2 KiB (yaml and proto); 1 MiB is generous for 512 of them. */
export const MAX_LISTED_BYTES = 1024 * 1024;

export async function readAffiliates(client: () => Promise<TalosClient>, o: CallOptions): Promise<AffiliatesRead> {
  try {
    const c = await client();
    const [identity, listed] = await Promise.all([
      c.getResource(NODE_IDENTITY, o),
      c.listResources(AFFILIATES, { ...o, maxResources: MAX_LISTED_AFFILIATES, maxBytes: MAX_LISTED_BYTES }),
    ]);
    const selfNodeId = nodeIdOf(identity.yamlSpec);
    if (selfNodeId === null) return { kind: "failed", reason: "Identities/local: no node id" };
    return { kind: "listed", selfNodeId, affiliates: listed.map((r) => ({ id: r.id, yamlSpec: r.yamlSpec })) };
  } catch (err) {
    return { kind: "failed", reason: err instanceof Error ? err.message : String(err) };
  }
}
