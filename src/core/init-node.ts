// The init-node rule. Talos bootstraps a node of machine type `init` by
// itself (TALOS.md §5), so any Bootstrap of ours beside one would make a
// second etcd cluster. An agent that runs on an init node, or sees one among
// the control planes of its cluster, stands down (exit 0) instead of voting.
// What it cannot see it cannot prevent: README, "Safety rule".
import type { MachineType } from "./types.js";

/** A node as a probe saw it: its address and the machine type its apid reports. */
export interface TypedNode {
  readonly address: string;
  readonly machineType: MachineType;
}

/** initNodes lists the init nodes among these (this node included): any one means stand down. */
export function initNodes(nodes: readonly TypedNode[]): string[] {
  return nodes.filter((n) => n.machineType === "init").map((n) => n.address);
}
