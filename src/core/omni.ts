// Omni bootstraps the clusters of the machines it manages (it calls Bootstrap
// itself), so on such a node this agent would race it and could make a second
// etcd cluster. Two signs say Omni manages a node: a SideroLinkConfig document
// in its machine config, or `siderolink.api=` on its kernel command line.
// Pure: the shell reads both and carries out the answer.

export type OmniEvidence = "SideroLinkConfig document" | "siderolink.api kernel argument";

export type OmniVerdict =
  /** No sign of Omni: vote as usual. */
  | { readonly kind: "not-managed" }
  /** Omni manages this node: stand down (exit 0). */
  | { readonly kind: "stand-down"; readonly evidence: readonly OmniEvidence[] }
  /** Omni manages it, but TALOS_AUTO_BOOTSTRAP_IGNORE_OMNI says to run anyway. */
  | { readonly kind: "overridden"; readonly evidence: readonly OmniEvidence[] };

export function omniVerdict(signs: { readonly sideroLinkConfig: boolean; readonly sideroLinkCmdline: boolean }, ignoreOmni: boolean): OmniVerdict {
  const evidence: OmniEvidence[] = [];
  if (signs.sideroLinkConfig) evidence.push("SideroLinkConfig document");
  if (signs.sideroLinkCmdline) evidence.push("siderolink.api kernel argument");
  if (evidence.length === 0) return { kind: "not-managed" };
  return ignoreOmni ? { kind: "overridden", evidence } : { kind: "stand-down", evidence };
}
