// The fake Talos node: what the demo, the integration and the netns tests import.
export { startFakeNode, type FakeNode } from "./node.js";
export type { FakeDiscovery, FakeMachineType, FakeNodeSpec } from "./spec.js";
export { readWorld, readSnapshot, type RestoreRecord, type World } from "./world.js";
export { ownAffiliate, readAffiliates, registerAffiliate, type AffiliateRecord } from "./discovery.js";
export { makeSnapshot, type SnapshotHash } from "./snapshot.js";
export type { CallRecord } from "./call-log.js";
export type { EtcdService } from "./etcd.js";
export { fingerprintOf, makeClientCert, makeClusterCa, makeServerCert, type CaPems, type ClusterCa, type Eku, type KeyType, type LeafCert } from "./pki.js";
export { parseSpecJson } from "./spec-json.js";
export { runFakeNodeCli } from "./cli.js";
