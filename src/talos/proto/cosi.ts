// The read side of the COSI State API (package cosi.resource), field numbers
// from TALOS.md §4. Watch and the write RPCs are left out: apid refuses writes
// and the agent polls. Label queries are left out too (never sent).
export const COSI_RESOURCE_PROTO = `
syntax = "proto3";
package cosi.resource;

import "google/protobuf/timestamp.proto";

// (namespace, type, id) names a resource; version counts its changes.
message Metadata {
  string namespace = 1;
  string type = 2;
  string id = 3;
  string version = 4;
  string owner = 5;
  string phase = 6;
  google.protobuf.Timestamp created = 7;
  google.protobuf.Timestamp updated = 8;
  repeated string finalizers = 9;
  map<string, string> labels = 10;
  map<string, string> annotations = 11;
}

// A server always fills yaml_spec; proto_spec only for protobuf-backed types.
message Spec {
  bytes proto_spec = 1;
  string yaml_spec = 2;
}

message Resource {
  Metadata metadata = 1;
  Spec spec = 2;
}
`;

export const COSI_STATE_PROTO = `
syntax = "proto3";
package cosi.resource;

import "v1alpha1/resource.proto";

service State {
  rpc Get(GetRequest) returns (GetResponse);
  rpc List(ListRequest) returns (stream ListResponse);
}

message GetOptions {}

message GetRequest {
  string namespace = 1;
  string type = 2;
  string id = 3;
  GetOptions options = 4;
}

message GetResponse {
  Resource resource = 1;
}

message IDQuery {
  string regexp = 1;
}

message ListOptions {
  IDQuery id_query = 2;
}

message ListRequest {
  string namespace = 1;
  string type = 2;
  ListOptions options = 3;
}

message ListResponse {
  Resource resource = 1;
}
`;
