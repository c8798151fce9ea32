// A "dropping" host: its address answers ARP/ND, but SYNs to apid's port
// vanish, as behind a firewall. The rule lives in the host's own namespace.
import { which } from "./preflight.js";
import { run, runOk } from "./cmd.js";

export const APID_PORT = 50000;

/** dropApid installs the rule with nft, or with iptables/ip6tables when nft is missing or refused. */
export async function dropApid(ns: string, port = APID_PORT): Promise<void> {
  const inNs = (argv: string[]) => ["ip", "netns", "exec", ns, ...argv];
  if (which("nft") !== null) {
    const ruleset = [
      "table inet abt_drop {",
      "  chain input {",
      "    type filter hook input priority 0; policy accept;",
      `    tcp dport ${port} drop`,
      "  }",
      "}",
      "",
    ].join("\n");
    const r = await run(inNs(["nft", "-f", "-"]), { input: ruleset });
    if (r.code === 0) return;
    if (which("iptables") === null) throw new Error(`nft in ${ns}: ${r.stderr.trim()}`);
  }
  for (const tool of ["iptables", "ip6tables"]) {
    if (which(tool) === null) continue;
    await runOk(inNs([tool, "-w", "5", "-A", "INPUT", "-p", "tcp", "--dport", String(port), "-j", "DROP"]));
  }
}

/**
 * dropFrom makes the namespace drop every packet from these addresses (input
 * only: the sender sees silence and times out, as across a partition, rather
 * than the EPERM an output rule would give it).
 */
export async function dropFrom(ns: string, addresses: readonly string[]): Promise<void> {
  const inNs = (argv: string[]) => ["ip", "netns", "exec", ns, ...argv];
  const v4 = addresses.filter((a) => !a.includes(":"));
  const v6 = addresses.filter((a) => a.includes(":"));
  if (which("nft") !== null) {
    const rules = [
      ...v4.map((a) => `    ip saddr ${a} drop`),
      ...v6.map((a) => `    ip6 saddr ${a} drop`),
    ];
    // "add" keeps an existing table: several cuts in one namespace add up.
    const ruleset = ["add table inet abt_cut", "add chain inet abt_cut input { type filter hook input priority 0; policy accept; }"]
      .concat(rules.map((r) => `add rule inet abt_cut input ${r.trim()}`))
      .join("\n") + "\n";
    const r = await run(inNs(["nft", "-f", "-"]), { input: ruleset });
    if (r.code === 0) return;
    if (which("iptables") === null) throw new Error(`nft in ${ns}: ${r.stderr.trim()}`);
  }
  for (const a of v4) await runOk(inNs(["iptables", "-w", "5", "-A", "INPUT", "-s", a, "-j", "DROP"]));
  for (const a of v6) await runOk(inNs(["ip6tables", "-w", "5", "-A", "INPUT", "-s", a, "-j", "DROP"]));
}
