// Builds the gRPC service definitions from the proto text embedded in
// src/talos/proto/, so the bundle and the tests need no .proto files on disk.
import protobuf from "protobufjs";
import { fromJSON, type Options, type ServiceDefinition } from "@grpc/proto-loader";
import { CLUSTER_PROTO, ENUMS_PROTO } from "./proto/cluster.js";
import { COMMON_PROTO } from "./proto/common.js";
import { COSI_RESOURCE_PROTO, COSI_STATE_PROTO } from "./proto/cosi.js";
import { MACHINE_PROTO } from "./proto/machine.js";
import { STATUS_PROTO } from "./proto/status.js";

/** Our files by the import path other files use for them (Talos's layout). */
const FILES: Readonly<Record<string, string>> = {
  "google/rpc/status.proto": STATUS_PROTO,
  "common/common.proto": COMMON_PROTO,
  "machine/machine.proto": MACHINE_PROTO,
  "resource/definitions/enums/enums.proto": ENUMS_PROTO,
  "resource/definitions/cluster/cluster.proto": CLUSTER_PROTO,
  "v1alpha1/resource.proto": COSI_RESOURCE_PROTO,
  "v1alpha1/state.proto": COSI_STATE_PROTO,
};

/**
 * LOADER_OPTIONS: keepCase keeps the proto's snake_case names (boot_time,
 * yaml_spec), so code, fakes and TALOS.md all spell fields the same way.
 * longs: String because uint64 (boot_time, member ids) overflows a JS number;
 * callers turn them into BigInt. defaults: true so a field the server left at
 * its zero value is still present (proto3 does not send zeros).
 */
export const LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

function buildRoot(): protobuf.Root {
  const root = new protobuf.Root();
  const wellKnown = new Set<string>();
  for (const [name, text] of Object.entries(FILES)) {
    const parsed = protobuf.parse(text, root, { keepCase: true });
    for (const imported of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
      if (imported in FILES) continue;
      if (!imported.startsWith("google/protobuf/")) {
        throw new Error(`${name}: import ${imported} is not embedded`);
      }
      wellKnown.add(imported);
    }
  }
  // The google.protobuf types (Empty, Timestamp, Any) come from protobufjs's
  // bundled copies rather than text of our own.
  for (const file of wellKnown) {
    const json = protobuf.common.get(file);
    if (json === null || json.nested === undefined) throw new Error(`unknown well-known proto ${file}`);
    root.addJSON(json.nested);
  }
  return root;
}

const root = buildRoot();
const definition = fromJSON(root.toJSON(), LOADER_OPTIONS);

function service(name: string): ServiceDefinition {
  const found = definition[name];
  // Message definitions carry a "format" field; service definitions do not.
  if (found === undefined || "format" in found) {
    throw new Error(`service ${name} missing from the embedded protos`);
  }
  return found as ServiceDefinition;
}

/** machine.MachineService: paths /machine.MachineService/<Rpc>. */
export const MachineService: ServiceDefinition = service("machine.MachineService");

/** cosi.resource.State: paths /cosi.resource.State/<Rpc>. */
export const CosiState: ServiceDefinition = service("cosi.resource.State");

/**
 * specMessage looks up a message that travels inside another one as bytes,
 * such as a COSI resource's proto_spec (talos.resource.definitions.cluster.AffiliateSpec).
 */
export function specMessage(name: string): protobuf.Type {
  return root.lookupType(name);
}
