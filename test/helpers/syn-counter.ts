// Counting the connection attempts a host receives on apid's port: the proof
// that an agent did not scan is that no address outside its peers saw a SYN.
// The rule lives in the host's own namespace, before any drop rule there.
import { run, runOk } from "./cmd.js";
import { APID_PORT } from "./drop-rule.js";
import { which } from "./preflight.js";

const TABLE = "abt_count";

/** countSyns installs a counter in ns and returns a reader of the SYNs (IPv4 and IPv6) it has seen. */
export async function countSyns(ns: string, port = APID_PORT): Promise<() => Promise<number>> {
  const inNs = (argv: string[]) => ["ip", "netns", "exec", ns, ...argv];
  if (which("nft") !== null) {
    const ruleset = [
      `table inet ${TABLE} {`,
      "  chain input {",
      // Before abt_drop (priority 0): a dropped SYN is counted too.
      "    type filter hook input priority -10; policy accept;",
      `    tcp dport ${port} tcp flags & (syn | ack) == syn counter`,
      "  }",
      "}",
      "",
    ].join("\n");
    const r = await run(inNs(["nft", "-f", "-"]), { input: ruleset });
    if (r.code === 0) {
      return async () => {
        const out = await runOk(inNs(["nft", "list", "table", "inet", TABLE]));
        const m = /counter packets (\d+)/.exec(out);
        if (m === null) throw new Error(`no counter in ${ns}:\n${out}`);
        return Number(m[1]);
      };
    }
    if (which("iptables") === null) throw new Error(`nft in ${ns}: ${r.stderr.trim()}`);
  }
  // A rule without a target only counts; inserted first, ahead of any DROP.
  const tools = ["iptables", "ip6tables"].filter((t) => which(t) !== null);
  for (const t of tools) await runOk(inNs([t, "-w", "5", "-I", "INPUT", "1", "-p", "tcp", "--dport", String(port), "--syn"]));
  return async () => {
    let total = 0;
    for (const t of tools) {
      const out = await runOk(inNs([t, "-w", "5", "-L", "INPUT", "1", "-n", "-v", "-x"]));
      total += Number(out.trim().split(/\s+/)[0] ?? NaN);
    }
    return total;
  };
}
