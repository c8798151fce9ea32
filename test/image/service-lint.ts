// lintService lists every way a service definition departs from what Talos
// reads (talos-service-schema.ts). Talos itself only rejects a bad name,
// restart kind, empty entrypoint or a malformed dependency, and ignores the
// rest; this is stricter on purpose: an ignored key is a silent bug.
import { isAbsolute } from "node:path";
import {
  BIND_OPTIONS,
  CONTAINER_KEYS,
  DEPENDENCY_KEYS,
  MOUNT_KEYS,
  NAME_RE,
  NETWORK_STATUSES,
  RESTART_KINDS,
  SECURITY_KEYS,
  SPEC_KEYS,
} from "./talos-service-schema.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string");

function unknownKeys(where: string, o: Obj, allowed: readonly string[], out: string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) out.push(`${where}: unknown key "${k}" (Talos ignores it)`);
}

/** lintService(parsed yaml, lowest Talos minor supported) → problems, empty when clean. */
export function lintService(spec: unknown, minMinor: number): string[] {
  const out: string[] = [];
  if (!isObj(spec)) return ["the document is not a mapping"];
  unknownKeys("top level", spec, Object.keys(SPEC_KEYS), out);
  for (const [k, since] of Object.entries(SPEC_KEYS)) {
    if (k in spec && since > minMinor) out.push(`top level: "${k}" is read only since v1.${since}, the manifest allows v1.${minMinor}`);
  }
  if (typeof spec["name"] !== "string" || !NAME_RE.test(spec["name"])) out.push(`name: ${JSON.stringify(spec["name"])} does not match ${NAME_RE}`);
  if (!RESTART_KINDS.includes(spec["restart"] as never)) out.push(`restart: ${JSON.stringify(spec["restart"])} is not one of ${RESTART_KINDS.join(", ")}`);
  lintContainer(spec["container"], out);
  lintDepends(spec["depends"], out);
  return out;
}

function lintContainer(c: unknown, out: string[]): void {
  if (!isObj(c)) return void out.push("container: missing or not a mapping");
  unknownKeys("container", c, CONTAINER_KEYS, out);
  const ep = c["entrypoint"];
  if (typeof ep !== "string" || ep === "") out.push("container.entrypoint: required");
  else if (!isAbsolute(ep)) out.push(`container.entrypoint: ${ep} is relative to the process's cwd; use a path in the container root`);
  if ("args" in c && !isStrings(c["args"])) out.push("container.args: not a list of strings");
  if ("environment" in c) {
    const env = c["environment"];
    if (!isStrings(env)) out.push("container.environment: not a list of strings");
    else for (const e of env) if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(e)) out.push(`container.environment: "${e}" is not KEY=value`);
  }
  if ("environmentFile" in c && (typeof c["environmentFile"] !== "string" || !isAbsolute(c["environmentFile"]))) {
    out.push("container.environmentFile: not an absolute host path");
  }
  if ("security" in c) {
    if (!isObj(c["security"])) out.push("container.security: not a mapping");
    else unknownKeys("container.security", c["security"], SECURITY_KEYS, out);
  }
  const mounts = c["mounts"] ?? [];
  if (!Array.isArray(mounts)) return void out.push("container.mounts: not a list");
  mounts.forEach((m: unknown, i) => lintMount(`container.mounts[${i}]`, m, out));
}

function lintMount(where: string, m: unknown, out: string[]): void {
  if (!isObj(m)) return void out.push(`${where}: not a mapping`);
  unknownKeys(where, m, MOUNT_KEYS, out);
  for (const k of ["source", "destination"] as const) {
    if (typeof m[k] !== "string" || !isAbsolute(m[k])) out.push(`${where}.${k}: not an absolute path`);
  }
  if (m["type"] !== "bind") out.push(`${where}.type: ${JSON.stringify(m["type"])}, expected bind`);
  const opts = m["options"];
  if (!isStrings(opts)) return void out.push(`${where}.options: not a list of strings`);
  for (const o of opts) if (!BIND_OPTIONS.includes(o as never)) out.push(`${where}.options: unknown option "${o}"`);
  if (!opts.includes("bind") && !opts.includes("rbind")) out.push(`${where}.options: neither bind nor rbind`);
  if (opts.includes("ro") === opts.includes("rw")) out.push(`${where}.options: say exactly one of ro, rw`);
}

function lintDepends(d: unknown, out: string[]): void {
  if (d === undefined) return;
  if (!Array.isArray(d)) return void out.push("depends: not a list");
  d.forEach((item: unknown, i) => {
    const where = `depends[${i}]`;
    if (!isObj(item)) return void out.push(`${where}: not a mapping`);
    const keys = Object.keys(item);
    unknownKeys(where, item, DEPENDENCY_KEYS, out);
    if (keys.length !== 1) return void out.push(`${where}: has ${keys.length} keys (${keys.join(", ")}); each item takes exactly one`);
    const v = item[keys[0] as string];
    switch (keys[0]) {
      case "service":
        if (typeof v !== "string" || v === "") out.push(`${where}.service: not a service id`);
        break;
      case "path":
        if (typeof v !== "string" || !isAbsolute(v)) out.push(`${where}.path: not absolute`);
        break;
      case "network":
        if (!isStrings(v) || v.length === 0) out.push(`${where}.network: not a non-empty list`);
        else for (const s of v) if (!NETWORK_STATUSES.includes(s as never)) out.push(`${where}.network: unknown status "${s}"`);
        break;
      case "time":
      case "configuration":
        // false decodes as "no dependency", which Talos rejects for the whole spec.
        if (v !== true) out.push(`${where}.${keys[0]}: must be true`);
        break;
    }
  });
}

/** Where Talos mounts STATE (constants.StateMountPoint): ≤ 1.9 all boot, 1.10–1.11 on demand. */
export const STATE_MOUNT_POINT = "/system/state";
/** Services that run only on control planes: a worker waiting for one never finishes booting. */
const CONTROL_PLANE_ONLY = ["etcd", "trustd"];

const within = (path: string, dir: string): boolean => path === dir || path.startsWith(dir === "/" ? "/" : `${dir}/`);

/**
 * lintNodeSafety lists what would hurt a real node even though Talos accepts
 * it (TALOS.md §9): a condition that never holds on some node blocks its boot,
 * a mount source under /var made before EPHEMERAL is mounted fails the
 * service for good, and a bind that copies the STATE mount keeps it mounted
 * (machined's next mount with the other ro/rw flag then fails with EBUSY).
 */
export function lintNodeSafety(spec: unknown): string[] {
  const out: string[] = [];
  if (!isObj(spec)) return ["the document is not a mapping"];
  const depends = Array.isArray(spec["depends"]) ? (spec["depends"] as unknown[]).filter(isObj) : [];
  for (const d of depends) {
    if (isStrings(d["network"]) && d["network"].includes("connectivity")) {
      out.push("depends.network: connectivity holds only with a default route; on an isolated network boot never finishes (use addresses)");
    }
    if (typeof d["service"] === "string" && CONTROL_PLANE_ONLY.includes(d["service"])) {
      out.push(`depends.service: ${d["service"]} runs only on control planes; a worker with this extension never finishes booting`);
    }
  }
  const mounts = isObj(spec["container"]) && Array.isArray(spec["container"]["mounts"]) ? (spec["container"]["mounts"] as unknown[]).filter(isObj) : [];
  const hasCri = depends.some((d) => d["service"] === "cri");
  for (const m of mounts) {
    const source = typeof m["source"] === "string" ? m["source"] : "";
    const opts = isStrings(m["options"]) ? m["options"] : [];
    if (within(source, "/var") && !hasCri) {
      out.push(`mount ${source}: under /var, which may not be mounted yet when the service starts; depend on service: cri`);
    }
    if (within(source, STATE_MOUNT_POINT)) {
      out.push(`mount ${source}: binds the STATE mount point itself; a STATE mount present at start stays mounted in the container (EBUSY for machined)`);
    } else if (within(STATE_MOUNT_POINT, source) && opts.includes("rbind") && !opts.includes("rslave") && !opts.includes("rshared")) {
      out.push(`mount ${source}: rbind copies ${STATE_MOUNT_POINT} without receiving the host's unmounts; add rslave`);
    }
  }
  return out;
}
