// The subset of Talos's machine.MachineService the agent calls, with field
// numbers from TALOS.md §3. Messages and fields the agent never reads are left
// out on purpose: protobuf skips unknown fields, so replies of a real apid
// still decode, and a smaller schema is less to get wrong.
export const MACHINE_PROTO = `
syntax = "proto3";
package machine;

import "google/protobuf/empty.proto";
import "google/protobuf/timestamp.proto";
import "common/common.proto";

service MachineService {
  rpc Bootstrap(BootstrapRequest) returns (BootstrapResponse);
  rpc EtcdMemberList(EtcdMemberListRequest) returns (EtcdMemberListResponse);
  // Client stream: the snapshot in chunks, written to /var/lib/etcd.snapshot.
  rpc EtcdRecover(stream common.Data) returns (EtcdRecoverResponse);
  rpc EtcdStatus(google.protobuf.Empty) returns (EtcdStatusResponse);
  // Server stream: the root first, then what lies below it (talos: pkg/archiver/walker.go).
  rpc List(ListRequest) returns (stream FileInfo);
  rpc Read(ReadRequest) returns (stream common.Data);
  rpc ServiceList(google.protobuf.Empty) returns (ServiceListResponse);
  rpc SystemStat(google.protobuf.Empty) returns (SystemStatResponse);
  rpc Version(google.protobuf.Empty) returns (VersionResponse);
}

message BootstrapRequest {
  bool recover_etcd = 1;
  bool recover_skip_hash_check = 2;
}
message Bootstrap {
  common.Metadata metadata = 1;
}
message BootstrapResponse {
  repeated Bootstrap messages = 1;
}

message EtcdMemberListRequest {
  bool query_local = 1;
}
message EtcdMember {
  uint64 id = 2;
  string hostname = 3;
  repeated string peer_urls = 4;
  repeated string client_urls = 5;
  bool is_learner = 6;
}
message EtcdMembers {
  common.Metadata metadata = 1;
  repeated string legacy_members = 2;
  repeated EtcdMember members = 3;
}
message EtcdMemberListResponse {
  repeated EtcdMembers messages = 1;
}

message EtcdRecover {
  common.Metadata metadata = 1;
}
message EtcdRecoverResponse {
  repeated EtcdRecover messages = 1;
}

message EtcdMemberStatus {
  string protocol_version = 1;
  int64 db_size = 2;
  int64 db_size_in_use = 3;
  uint64 leader = 4;
  uint64 raft_index = 5;
  uint64 raft_term = 6;
  uint64 raft_applied_index = 7;
  repeated string errors = 8;
  bool is_learner = 9;
  uint64 member_id = 10;
  string storage_version = 11;
}
message EtcdStatus {
  common.Metadata metadata = 1;
  EtcdMemberStatus member_status = 2;
}
message EtcdStatusResponse {
  repeated EtcdStatus messages = 1;
}

// recurse false: the root and its entries; recursion_depth 0 with recurse: no limit.
message ListRequest {
  string root = 1;
  bool recurse = 2;
  int32 recursion_depth = 3;
  enum Type {
    REGULAR = 0;
    DIRECTORY = 1;
    SYMLINK = 2;
  }
  repeated Type types = 4;
}
// Owner, link target and xattrs (8, 10-12) are not needed.
message FileInfo {
  common.Metadata metadata = 1;
  string name = 2;
  int64 size = 3;
  uint32 mode = 4;
  int64 modified = 5;
  bool is_dir = 6;
  string error = 7;
  string relative_name = 9;
}

// Regular files only; a missing file is NotFound.
message ReadRequest {
  string path = 1;
}

message ServiceEvent {
  string msg = 1;
  string state = 2;
  google.protobuf.Timestamp ts = 3;
}
message ServiceEvents {
  repeated ServiceEvent events = 1;
}
message ServiceHealth {
  bool unknown = 1;
  bool healthy = 2;
  string last_message = 3;
  google.protobuf.Timestamp last_change = 4;
}
message ServiceInfo {
  string id = 1;
  string state = 2;
  ServiceEvents events = 3;
  ServiceHealth health = 4;
}
message ServiceList {
  common.Metadata metadata = 1;
  repeated ServiceInfo services = 2;
}
message ServiceListResponse {
  repeated ServiceList messages = 1;
}

// Only the scalar counters; the per-CPU and soft-irq breakdowns (fields 3, 4,
// 6, 12) are not needed. boot_time is /proc/stat btime in Unix seconds.
message SystemStat {
  common.Metadata metadata = 1;
  uint64 boot_time = 2;
  uint64 irq_total = 5;
  uint64 context_switches = 7;
  uint64 process_created = 8;
  uint64 process_running = 9;
  uint64 process_blocked = 10;
  uint64 soft_irq_total = 11;
}
message SystemStatResponse {
  repeated SystemStat messages = 1;
}

message VersionInfo {
  string tag = 1;
  string sha = 2;
  string built = 3;
  string go_version = 4;
  string os = 5;
  string arch = 6;
}
message PlatformInfo {
  string name = 1;
  string mode = 2;
}
message FeaturesInfo {
  bool rbac = 1;
}
message Version {
  common.Metadata metadata = 1;
  VersionInfo version = 2;
  PlatformInfo platform = 3;
  FeaturesInfo features = 4;
}
message VersionResponse {
  repeated Version messages = 1;
}
`;
