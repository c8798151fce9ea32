// This node's id as Talos keeps it (COSI Identities.cluster.talos.dev/local,
// reader certificate): one half of the machine binding (machine-binding.ts).
import { nodeIdOf } from "../../discovery/affiliates.js";
import { NODE_IDENTITY, type CallOptions, type TalosClient } from "../../talos/client.js";
import { describe } from "./describe.js";

export type NodeIdRead = { readonly id: string } | { readonly id: null; readonly reason: string };

export async function readNodeId(open: () => Promise<TalosClient>, opts: CallOptions): Promise<NodeIdRead> {
  try {
    const r = await (await open()).getResource(NODE_IDENTITY, opts);
    const id = nodeIdOf(r.yamlSpec);
    return id === null ? { id: null, reason: "Identities/local has no usable nodeId" } : { id };
  } catch (err) {
    return { id: null, reason: describe(err) };
  }
}
