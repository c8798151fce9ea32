// The specs of Talos's cluster-discovery resources as COSI sends them in
// proto_spec (field numbers per docs/talos-facts.md §1). Talos encodes these
// structs with its own struct-tag encoder; on the wire it is plain proto3, so
// these messages decode (and, in the fake apid, encode) the same bytes.
export const ENUMS_PROTO = `
syntax = "proto3";
package talos.resource.definitions.enums;

// machine.type as a number; YAML shows the lower-case word instead.
enum MachineType {
  TYPE_UNKNOWN = 0;
  TYPE_INIT = 1;
  TYPE_CONTROL_PLANE = 2;
  TYPE_WORKER = 3;
}
`;

export const CLUSTER_PROTO = `
syntax = "proto3";
package talos.resource.definitions.cluster;

import "common/common.proto";
import "resource/definitions/enums/enums.proto";

// Set on control planes once the API server config exists.
message ControlPlane {
  int64 api_server_port = 1;
}

message KubeSpanAffiliateSpec {
  string public_key = 1;
  common.NetIP address = 2;
  repeated common.NetIPPrefix additional_addresses = 3;
  repeated common.NetIPPort endpoints = 4;
  repeated common.NetIPPrefix exclude_advertised_networks = 5;
}

// Affiliates.cluster.talos.dev: one per node id, this node included.
message AffiliateSpec {
  string node_id = 1;
  repeated common.NetIP addresses = 2;
  string hostname = 3;
  string nodename = 4;
  string operating_system = 5;
  talos.resource.definitions.enums.MachineType machine_type = 6;
  KubeSpanAffiliateSpec kube_span = 7;
  ControlPlane control_plane = 8;
}

// Members.cluster.talos.dev: the affiliates that have a nodename, keyed by it.
message MemberSpec {
  string node_id = 1;
  repeated common.NetIP addresses = 2;
  string hostname = 3;
  talos.resource.definitions.enums.MachineType machine_type = 4;
  string operating_system = 5;
  ControlPlane control_plane = 6;
}

// Identities.cluster.talos.dev/local: this node's id, kept in STATE.
message IdentitySpec {
  string node_id = 1;
}
`;
