// google/rpc/status.proto, written here because @grpc/proto-loader does not
// bundle it and common.Metadata refers to it (TALOS.md §3).
export const STATUS_PROTO = `
syntax = "proto3";
package google.rpc;

import "google/protobuf/any.proto";

// The error model gRPC servers attach to a failed call.
message Status {
  int32 code = 1;
  string message = 2;
  repeated google.protobuf.Any details = 3;
}
`;
