// Talos's common package: only the two messages the agent and the fake apid
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
`;
