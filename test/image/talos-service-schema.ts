// The extension service schema Talos decodes, as data, read from talos
// pkg/machinery/extensions/services/services.go (v1.8.0 … main of Aug 2026),
// restart_kind.go and pkg/machinery/nethelpers/status.go. Mounts are
// runtime-spec `specs.Mount`, which has no yaml tags: the YAML decoder uses the
// lower-cased Go field names. Talos decodes leniently, so a key missing here
// is silently ignored on a node; the spec refuses it instead.

/** Top-level keys, with the first Talos minor that reads each. */
export const SPEC_KEYS: Readonly<Record<string, number>> = {
  name: 8,
  container: 8,
  depends: 8,
  restart: 8,
  logToConsole: 9,
};
export const CONTAINER_KEYS = ["entrypoint", "environment", "environmentFile", "args", "mounts", "security"] as const;
export const SECURITY_KEYS = ["writeableSysfs", "maskedPaths", "readonlyPaths", "writeableRootfs", "rootfsPropagation"] as const;
export const MOUNT_KEYS = ["destination", "type", "source", "options", "uidmappings", "gidmappings"] as const;
/** Dependency: "Only a single dependency out of the list might be specified." */
export const DEPENDENCY_KEYS = ["service", "path", "network", "time", "configuration"] as const;
export const NETWORK_STATUSES = ["addresses", "connectivity", "hostname", "etcfiles"] as const;
export const RESTART_KINDS = ["always", "never", "untilSuccess"] as const;
/** nameRe in services.go; the container root dir and `ext-<name>` follow from it. */
export const NAME_RE = /^[-_a-z0-9]{1,}$/;
/** Options runc understands on a bind mount (a typo there is ignored or fails late). */
export const BIND_OPTIONS = [
  "bind", "rbind", "ro", "rw", "nosuid", "nodev", "noexec",
  "private", "rprivate", "shared", "rshared", "slave", "rslave",
] as const;

/** The manifest (pkg/machinery/extensions/metadata.go). */
export const MANIFEST_KEYS = ["version", "metadata"] as const;
export const METADATA_KEYS = ["name", "version", "author", "description", "compatibility", "extraInfo"] as const;
