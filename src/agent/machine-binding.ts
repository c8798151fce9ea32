// The machine binding ties the ballot to this machine, so a ballot file that
// travelled (a cloned VM, a copied EPHEMERAL partition) is never used as this
// node's (docs/consent.md, "Identity"). Its parts: Talos's node id (COSI
// Identities.cluster.talos.dev/local, kept in STATE, so a wipe of EPHEMERAL
// keeps it) and the SMBIOS UUID when the firmware has one (a hypervisor gives
// a clone a new one). Hashed: every admin can read the ballot.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";

export const PRODUCT_UUID_PATH = "/sys/class/dmi/id/product_uuid";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Node ids are base62 and short; anything else is not Talos's. */
const NODE_ID = /^[\x21-\x7e]{1,128}$/;

/** machineBinding is a SHA-256 (hex) of the node id and the SMBIOS UUID (or none). */
export function machineBinding(nodeId: string, productUuid: string | null): string {
  if (!NODE_ID.test(nodeId)) throw new Error(`node id ${JSON.stringify(nodeId.slice(0, 32))} is malformed`);
  return createHash("sha256").update(`talos-autobootstrap machine binding\n${nodeId}\n${productUuid ?? "-"}\n`).digest("hex");
}

/** readProductUuid: the SMBIOS UUID, or null when this machine has none (no DMI, unreadable, all zeros). */
export async function readProductUuid(path = PRODUCT_UUID_PATH): Promise<string | null> {
  let text: string;
  try {
    text = (await readFile(path, "utf8")).trim().toLowerCase();
  } catch {
    return null;
  }
  return UUID.test(text) && /[1-9a-f]/.test(text) ? text : null;
}
