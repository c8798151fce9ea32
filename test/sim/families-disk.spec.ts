// Fault families that change what a node's disk remembers: a wiped or
// reinstalled node, a VM snapshot revert, a power loss between rename and
// the directory fsync, a cloned machine, and a full power cycle of a
// bootstrapped cluster. Split from families-config.spec.ts so vitest runs the
// two on both cores. The table of both files is printed at the end of each.
import { describeFamilies } from "./describe-families.js";

describeFamilies("simulator fault families: disks and machines", ["wipe", "rollback", "lost-rename", "clone", "power-cycle"]);
