// The kernel command line, for the one thing the agent looks for there:
// `siderolink.api=` (talos constants.KernelParamSideroLink), which Omni's boot
// media carry so the machine joins Omni, and Omni bootstraps the cluster.
import { readFile } from "node:fs/promises";

export const SIDEROLINK_PARAM = "siderolink.api";

/** kernelParams splits a command line as the kernel does: spaces separate, double quotes group. */
export function kernelParams(cmdline: string): { name: string; value: string | null }[] {
  const words: string[] = [];
  let word = "";
  let quoted = false;
  let inWord = false;
  for (const ch of cmdline) {
    if (ch === '"') {
      quoted = !quoted;
      inWord = true;
    } else if (!quoted && /\s/.test(ch)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words.map((w) => {
    const eq = w.indexOf("=");
    return eq < 0 ? { name: w, value: null } : { name: w.slice(0, eq), value: w.slice(eq + 1) };
  });
}

/** sideroLinkOnCmdline: the command line names a SideroLink API (its value holds a join token: never logged). */
export function sideroLinkOnCmdline(cmdline: string): boolean {
  return kernelParams(cmdline).some((p) => p.name === SIDEROLINK_PARAM && p.value !== null && p.value !== "");
}

/** readKernelCmdline: /proc/cmdline (the host's: the kernel's, even inside a container). */
export async function readKernelCmdline(path = "/proc/cmdline"): Promise<string> {
  return readFile(path, "utf8");
}
