// Talos's common package: only the messages the agent and the fake apid
// exchange. Unknown fields a real apid sends are skipped by the decoder.
export const COMMON_PROTO = `
syntax = "proto3";
package common;

import "google/rpc/status.proto";

// Filled by apid only when a call fans out with "nodes" metadata.
message Metadata {
  string hostname = 1;
  string error = 2;
  google.rpc.Status status = 3;
}

// One chunk of a streamed file (MachineService/Read).
message Data {
  Metadata metadata = 1;
  bytes bytes = 2;
}

// An IP address as Go's netip.Addr.MarshalBinary gives it: 4 bytes for IPv4,
// 16 for IPv6 (COSI resource specs such as AffiliateSpec.addresses use it).
message NetIP {
  bytes ip = 1;
}

message NetIPPort {
  bytes ip = 1;
  int32 port = 2;
}

message NetIPPrefix {
  bytes ip = 1;
  int32 prefix_length = 2;
}
`;
