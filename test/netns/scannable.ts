// Every address of a prefix that a scan could try, computed independently of
// address-plan.ts: IPv4 without network and broadcast (prefixes ≤ /30), IPv6 all.
export function scannable(cidr: string): string[] {
  const [base, lenText] = cidr.split("/");
  const len = Number(lenText);
  if (base === undefined || !Number.isInteger(len)) throw new Error(`bad prefix ${cidr}`);
  if (!base.includes(":")) {
    const start = base.split(".").reduce((n, o) => n * 256 + Number(o), 0);
    const size = 2 ** (32 - len);
    const all = Array.from({ length: size }, (_, i) => start + i);
    const usable = size >= 4 ? all.slice(1, -1) : all;
    return usable.map((n) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join("."));
  }
  const size = 2 ** (128 - len);
  const groups = expand(base);
  const last = parseInt(groups[7] ?? "0", 16);
  return Array.from({ length: size }, (_, i) => canonical([...groups.slice(0, 7), (last + i).toString(16)]));
}

function expand(addr: string): string[] {
  const [head = "", tail = ""] = addr.split("::");
  const h = head === "" ? [] : head.split(":");
  const t = tail === "" ? [] : tail.split(":");
  return [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
}

/** RFC 5952 form: lower case, no leading zeros, the longest run (≥ 2) of zero groups as "::". */
export function canonical(groups: readonly string[]): string {
  const g = groups.map((x) => parseInt(x, 16).toString(16));
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && g[j] === "0") j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.len < 2) return g.join(":");
  return `${g.slice(0, best.at).join(":")}::${g.slice(best.at + best.len).join(":")}`;
}
