// Talos's authorization (TALOS.md §2): per-method role rules from machined's
// `rules`, then the COSI access filter (talos: internal/app/resources/access.go)
// for resource reads.
import { Code, StatusError, notAuthorized } from "./status.js";

const ADMIN = ["os:admin"];
const READERS = ["os:admin", "os:operator", "os:reader"];

/** Roles allowed to call a method; methods not listed are admin-only, as in Talos. */
export function allowedRoles(path: string, minor: number): readonly string[] {
  switch (path) {
    case "/machine.MachineService/Bootstrap":
    case "/machine.MachineService/EtcdRecover":
    case "/machine.MachineService/Read":
      return ADMIN;
    case "/machine.MachineService/Version":
    case "/machine.MachineService/SystemStat":
    case "/machine.MachineService/ServiceList":
    case "/machine.MachineService/List":
    case "/cosi.resource.State/Get":
    case "/cosi.resource.State/List":
    case "/cosi.resource.State/Watch":
      return READERS;
    case "/machine.MachineService/EtcdMemberList":
      return minor >= 11 ? [...READERS, "os:etcd:backup"] : READERS;
    case "/machine.MachineService/EtcdStatus":
      return minor >= 11 ? [...READERS, "os:etcd:backup"] : ["os:admin", "os:operator"];
    default:
      return ADMIN;
  }
}

export function authorize(path: string, roles: readonly string[], minor: number): void {
  const allowed = allowedRoles(path, minor);
  if (!roles.some((r) => allowed.includes(r))) throw notAuthorized();
}

/**
 * The resource types this fake knows, by lower-cased type (Talos looks the
 * definition up lower-cased). A subset of Talos's: an unlisted real type is
 * refused as "not supported" here.
 */
const TYPES: ReadonlyMap<string, { readonly sensitive: boolean }> = new Map(
  Object.entries({
    "MachineTypes.config.talos.dev": false,
    "MachineConfigs.config.talos.dev": true,
    "MachineStatuses.runtime.talos.dev": false,
    "Services.v1alpha1.talos.dev": false,
    "TimeStatuses.v1alpha1.talos.dev": false,
    "EtcdMembers.etcd.talos.dev": false,
    "Members.cluster.talos.dev": false,
    "Identities.cluster.talos.dev": false,
    "Affiliates.cluster.talos.dev": false,
    "NodeAddresses.net.talos.dev": false,
    "ExtensionStatuses.runtime.talos.dev": false,
    "ExtensionServiceConfigs.runtime.talos.dev": true,
    "VolumeConfigs.block.talos.dev": true,
    "OSRootSecrets.secrets.talos.dev": true,
    "ApiCertificates.secrets.talos.dev": true,
    "EtcdRootSecrets.secrets.talos.dev": true,
    "KubernetesRootSecrets.secrets.talos.dev": true,
  }).map(([type, sensitive]) => [type.toLowerCase(), { sensitive }]),
);

const NAMESPACES = new Set(["config", "runtime", "etcd", "cluster", "network", "secrets", "block", "k8s", "hardware", "files", "perf", "v1alpha1", "meta"]);

/** The COSI filter for a read, in Talos's order: type, sensitivity, namespace. */
export function cosiReadAccess(type: string, namespace: string, roles: readonly string[]): void {
  const def = TYPES.get(type.toLowerCase());
  if (def === undefined) throw new StatusError(Code.PERMISSION_DENIED, `resource type ${JSON.stringify(type)} is not supported`);
  if (def.sensitive && !roles.includes("os:admin")) throw notAuthorized();
  if (!NAMESPACES.has(namespace)) throw new StatusError(Code.PERMISSION_DENIED, `namespace ${JSON.stringify(namespace)} is not supported`);
}
