// Fault families that break what the agents are told or assume about each
// other: one node with another QUORUM_NODES, a quorum that is not a majority,
// control planes added later, addresses that move, a second cluster made
// from the same secrets bundle, and a peer whose ballot is never readable.
import { describeFamilies } from "./describe-families.js";

describeFamilies("simulator fault families: configuration and network", ["per-node-quorum", "wrong-quorum", "added-later", "address-move", "same-ca", "unreadable"]);
