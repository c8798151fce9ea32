// This node's id as Talos keeps it (COSI Identities.cluster.talos.dev/local,
// reader certificate): one half of the machine binding (machine-binding.ts).
import type { CallOptions, TalosClient } from "../../talos/client.js";
import { nodeIdOf } from "../machine-binding.js";
import { describe } from "./describe.js";

const IDENTITY = { namespace: "cluster", type: "Identities.cluster.talos.dev", id: "local" } as const;

export type NodeIdRead = { readonly id: string } | { readonly id: null; readonly reason: string };

export async function readNodeId(open: () => Promise<TalosClient>, opts: CallOptions): Promise<NodeIdRead> {
  try {
    const r = await (await open()).getResource(IDENTITY, opts);
    const id = nodeIdOf(r.yamlSpec);
    return id === null ? { id: null, reason: "Identities/local has no usable nodeId" } : { id };
  } catch (err) {
    return { id: null, reason: describe(err) };
  }
}
