// The parts of a Talos machine config the agent needs: machine type, CA, and
// whether Omni manages the node (a SideroLinkConfig document).
// config.yaml is multi-document YAML kept as submitted (TALOS.md §7), so the
// v1alpha1 document is found by its shape, not its position.
import { parseAllDocuments } from "yaml";
import type { MachineType } from "../core/types.js";
import { CredentialsError } from "./errors.js";
import { configSizeProblem } from "./yaml-limits.js";

/** A configured machine's type: never "unknown" once a config exists. */
export type ConfiguredMachineType = Exclude<MachineType, "unknown">;

export interface MachineConfigCredentials {
  readonly machineType: ConfiguredMachineType;
  readonly caCertPem: string;
  /** null on workers (`key: ""`). */
  readonly caKeyPem: string | null;
  readonly acceptedCaPems: readonly string[];
  /** A SideroLinkConfig document is present: Omni manages this node (and bootstraps its cluster). */
  readonly sideroLink: boolean;
  /**
   * cluster.clusterName and cluster.controlPlane.endpoint, or null when either
   * is missing: with the CA they tell this cluster from another one made from
   * the same secrets bundle (their ballots are not acceptors of ours).
   */
  readonly cluster: { readonly name: string; readonly endpoint: string } | null;
}

/** Talos's parser maps "join" and "" (or no type) to worker (pkg/machinery/machine ParseType). */
const MACHINE_TYPES: Readonly<Record<string, ConfiguredMachineType>> = {
  controlplane: "controlplane",
  init: "init",
  worker: "worker",
  join: "worker",
  "": "worker",
};

const invalid = (message: string): CredentialsError => new CredentialsError("config-invalid", message);
const caInvalid = (message: string): CredentialsError => new CredentialsError("ca-invalid", message);

/** parseMachineConfig extracts machine type and CA from config.yaml text. */
export function parseMachineConfig(text: string): MachineConfigCredentials {
  const docs = documents(text);
  const doc = v1alpha1Document(docs);
  const machine = doc["machine"];
  if (!isRecord(machine)) throw invalid("v1alpha1 document has no machine section");
  const type = machine["type"] ?? "";
  const machineType = typeof type === "string" ? MACHINE_TYPES[type] : undefined;
  if (machineType === undefined) throw invalid(`unknown machine.type ${JSON.stringify(type)}`);

  const ca = machine["ca"];
  if (!isRecord(ca)) throw caInvalid("machine.ca is missing");
  const caCertPem = decodePem(ca["crt"], "machine.ca.crt");
  if (caCertPem === null) throw caInvalid("machine.ca.crt is empty");
  const caKeyPem = decodePem(ca["key"], "machine.ca.key");

  const accepted = machine["acceptedCAs"] ?? [];
  if (!Array.isArray(accepted)) throw caInvalid("machine.acceptedCAs is not a list");
  const acceptedCaPems = accepted.flatMap((entry: unknown, i) => {
    const pem = decodePem(isRecord(entry) ? entry["crt"] : undefined, `machine.acceptedCAs[${i}].crt`);
    return pem === null ? [] : [pem];
  });
  return { machineType, caCertPem, caKeyPem, acceptedCaPems, sideroLink: hasSideroLinkConfig(docs), cluster: clusterOf(doc) };
}

function clusterOf(doc: Record<string, unknown>): { name: string; endpoint: string } | null {
  const cluster = doc["cluster"];
  if (!isRecord(cluster)) return null;
  const cp = cluster["controlPlane"];
  const name = cluster["clusterName"];
  const endpoint = isRecord(cp) ? cp["endpoint"] : undefined;
  return typeof name === "string" && typeof endpoint === "string" && name !== "" && endpoint !== "" ? { name, endpoint } : null;
}

/**
 * hasSideroLinkConfig: Omni joins a machine to itself with a SideroLinkConfig
 * document (talos pkg/machinery/config/types/siderolink); its apiUrl carries a
 * join token, so only its presence is reported, never its content.
 */
export function hasSideroLinkConfig(docs: readonly unknown[]): boolean {
  return docs.some((d) => isRecord(d) && d["kind"] === "SideroLinkConfig");
}

/** v1alpha1Document: the one document with `version: v1alpha1` and no `kind`. */
function v1alpha1Document(docs: readonly unknown[]): Record<string, unknown> {
  const found = docs.filter((d): d is Record<string, unknown> => isRecord(d) && d["version"] === "v1alpha1" && !("kind" in d));
  if (found.length !== 1) throw invalid(`expected one v1alpha1 document, found ${found.length}`);
  return found[0] as Record<string, unknown>;
}

/** documents: every document of config.yaml as plain values, or a config-invalid error. */
function documents(text: string): unknown[] {
  const tooLarge = configSizeProblem(text);
  if (tooLarge !== undefined) throw invalid(tooLarge);
  const values: unknown[] = [];
  // "silent": the library prints its warnings to stderr, quoting the config
  // (a key with a collection value is printed whole); errors are reported below.
  for (const [i, doc] of parseAllDocuments(text, { logLevel: "silent" }).entries()) {
    const err = doc.errors[0];
    if (err !== undefined) {
      // err.message quotes the offending line, which may be a key: report position only.
      const at = err.linePos?.[0];
      throw invalid(`YAML error ${err.code} in document ${i + 1}${at ? ` at line ${at.line}, column ${at.col}` : ""}`);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      throw invalid(`YAML document ${i + 1} cannot be converted (${(e as Error).name})`);
    }
    values.push(value);
  }
  return values;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** decodePem: Talos stores PEMs as standard base64; "" or absent means none. */
function decodePem(value: unknown, field: string): string | null {
  if (value === undefined || value === null || value === "") return null;
  if (typeof value !== "string" || value.length % 4 !== 0 || !BASE64.test(value)) {
    throw caInvalid(`${field} is not base64`);
  }
  const pem = Buffer.from(value, "base64").toString("utf8");
  if (!pem.includes("-----BEGIN ")) throw caInvalid(`${field} is not a PEM`);
  return pem;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
