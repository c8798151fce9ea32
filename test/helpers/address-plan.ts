// Which test host holds which address. Pure, so the hard rule can be checked
// without root: every address a scan of our prefixes could reach belongs to a
// host we created (spares go to a refusing "filler" or a dropping "dropper").

export type Role = "node" | "refusing" | "dropping";
export type Family = "ipv4" | "ipv6" | "dual";
/**
 * bridge: hosts on one L2 segment; p2p: two hosts on one veth pair (/31, /127); single: one host alone (/32, /128);
 * routed: two segments (IPv4 /28s), each host on the one its spec names, a "router" host on both forwarding between them.
 */
export type Topology = "bridge" | "p2p" | "single" | "routed";

export interface HostSpec {
  /** [a-z0-9-], short: it becomes part of the namespace name. */
  readonly name: string;
  /** node (default): runs something we start; refusing: nothing listens; dropping: tcp/50000 dropped. */
  readonly role?: Role;
  /** Addresses per family for this host; default 1. */
  readonly addresses?: number;
  /** routed: which segment the host is on; default 0. */
  readonly segment?: 0 | 1;
}

export interface NetworkSpec {
  readonly family?: Family;
  readonly topology?: Topology;
  readonly hosts: readonly HostSpec[];
  /** bridge: spare addresses (per family) the "dropper" host takes; the rest go to "filler". Default 0. */
  readonly droppingSpares?: number;
  /** bridge: prefix lengths; default /28 and /124, kept small so a scan stays cheap. */
  readonly prefixLength?: { readonly v4?: number; readonly v6?: number };
  /**
   * bridge: every address is configured as a /32 (/128) and the prefix is
   * reached by an on-link route, as on clouds that hand a node a /32. The
   * interfaces then show nothing to scan; TALOS_AUTO_BOOTSTRAP_SCAN_CIDR names the prefix.
   */
  readonly hostAddresses?: boolean;
}

export interface PlannedAddress {
  readonly family: 4 | 6;
  readonly address: string;
  readonly prefixLength: number;
  /** routed: the segment (and interface eth<segment>) this address is on. */
  readonly segment?: 0 | 1;
}

/** routed: how a host reaches the other segment. */
export interface PlannedRoute {
  readonly host: string;
  readonly prefix: string;
  readonly via: string;
}

export interface PlannedHost {
  readonly name: string;
  readonly role: Role;
  readonly addresses: readonly PlannedAddress[];
}

export interface AddressPlan {
  readonly topology: Topology;
  /** The prefixes in CIDR form, as a scan of the hosts' interfaces sees them (with hostAddresses: what SCAN_CIDR must name). */
  readonly prefixes: readonly string[];
  /** hostAddresses: the prefixes each host routes on-link (its addresses are /32, /128); else empty. */
  readonly onLinkRoutes: readonly string[];
  readonly hosts: readonly PlannedHost[];
  /** routed: each host's route to the other segment, through the router; else empty. */
  readonly routes: readonly PlannedRoute[];
}

export const FILLER = "filler";
export const DROPPER = "dropper";
/** routed: on both segments, forwarding; it also holds every spare address (nothing listens: they refuse). */
export const ROUTER = "router";
const NAME = /^[a-z0-9][a-z0-9-]{0,19}$/;

/** 10.250.0.0/16: private, and every /28 of it is ours within our own namespaces. */
const V4_BASE = (10 << 24) | (250 << 16);

function v4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** A ULA /64 from the seed ("fd61:6274" spells "abt"); hosts live in its last group. */
function v6Net(seed: number): (host: number) => string {
  const g3 = ((seed >>> 16) & 0xfffe) | 1; // non-zero, so the canonical form is stable
  const g4 = (seed & 0xfffe) | 1;
  const p = `fd61:6274:${g3.toString(16)}:${g4.toString(16)}`;
  return (host) => (host === 0 ? `${p}::` : `${p}::${host.toString(16)}`);
}

function lengths(spec: NetworkSpec): { v4: number; v6: number } {
  const topology = spec.topology ?? "bridge";
  if (topology === "p2p") return { v4: 31, v6: 127 };
  if (topology === "single") return { v4: 32, v6: 128 };
  const l = { v4: spec.prefixLength?.v4 ?? 28, v6: spec.prefixLength?.v6 ?? 124 };
  if (l.v4 < 24 || l.v4 > 30) throw new Error(`bridge v4 prefix /${l.v4}: use /24…/30`);
  if (l.v6 < 120 || l.v6 > 126) throw new Error(`bridge v6 prefix /${l.v6}: use /120…/126`);
  return l;
}

/** Host numbers a scan may reach. v4 ≤/30: not network or broadcast; v6: all, ::0 too (it is a unicast address for Linux). */
function hostNumbers(family: 4 | 6, len: number): number[] {
  const size = 2 ** ((family === 4 ? 32 : 128) - len);
  const all = Array.from({ length: size }, (_, i) => i);
  return family === 4 && size >= 4 ? all.slice(1, -1) : all;
}

function checkShape(spec: NetworkSpec, topology: Topology): void {
  const names = new Set<string>();
  for (const h of spec.hosts) {
    if (!NAME.test(h.name)) throw new Error(`host name "${h.name}": use [a-z0-9-], ≤ 20 chars`);
    if (names.has(h.name)) throw new Error(`host name "${h.name}" used twice`);
    if (h.name === FILLER || h.name === DROPPER || h.name === ROUTER) throw new Error(`host name "${h.name}" is reserved`);
    if (h.segment !== undefined && topology !== "routed") throw new Error(`host "${h.name}": segment is for the routed topology`);
    names.add(h.name);
  }
  if (spec.hostAddresses === true && topology !== "bridge") throw new Error(`hostAddresses: bridge topology only`);
  const want = topology === "p2p" ? 2 : topology === "single" ? 1 : null;
  if (want !== null && spec.hosts.length !== want) throw new Error(`${topology} needs exactly ${want} host(s)`);
  if (want !== null && spec.hosts.some((h) => (h.addresses ?? 1) !== 1)) {
    throw new Error(`${topology}: one address per host and family`);
  }
}

/** planAddresses: deterministic in (spec, seed); throws when the hosts do not fit. */
export function planAddresses(spec: NetworkSpec, seed: number): AddressPlan {
  const topology = spec.topology ?? "bridge";
  checkShape(spec, topology);
  if (topology === "routed") return planRouted(spec, seed);
  const family = spec.family ?? "ipv4";
  const len = lengths(spec);
  const hosts: { name: string; role: Role; addresses: PlannedAddress[] }[] = spec.hosts.map((h) => ({
    name: h.name,
    role: h.role ?? "node",
    addresses: [],
  }));
  const filler = { name: FILLER, role: "refusing" as Role, addresses: [] as PlannedAddress[] };
  const dropper = { name: DROPPER, role: "dropping" as Role, addresses: [] as PlannedAddress[] };
  const prefixes: string[] = [];
  const fams: (4 | 6)[] = family === "dual" ? [4, 6] : family === "ipv6" ? [6] : [4];
  for (const fam of fams) {
    const l = fam === 4 ? len.v4 : len.v6;
    const size = 2 ** ((fam === 4 ? 32 : 128) - l);
    const subnets = fam === 4 ? 2 ** (l - 16) : 1;
    const netStart = V4_BASE + ((seed >>> 0) % subnets) * size;
    const fmt = fam === 4 ? (h: number) => v4(netStart + h) : v6Net(seed);
    prefixes.push(`${fmt(0)}/${l}`);
    const free = hostNumbers(fam, l);
    // The subnet-router anycast address (::0) is no place for a node: scans skip it below /127. It refuses.
    const anycast = fam === 6 && l < 127 ? free.splice(0, 1) : [];
    const configured = spec.hostAddresses === true ? (fam === 4 ? 32 : 128) : l;
    const planned = (h: number): PlannedAddress => ({ family: fam, address: fmt(h), prefixLength: configured });
    const take = (n: number, who: string): PlannedAddress[] => {
      if (n > free.length) throw new Error(`${who}: /${l} has no room for ${n} more IPv${fam} address(es)`);
      return free.splice(0, n).map(planned);
    };
    spec.hosts.forEach((h, i) => hosts[i]!.addresses.push(...take(h.addresses ?? 1, h.name)));
    dropper.addresses.push(...take(Math.min(spec.droppingSpares ?? 0, free.length), DROPPER));
    filler.addresses.push(...anycast.map(planned), ...take(free.length, FILLER));
  }
  if ((spec.droppingSpares ?? 0) > 0 && dropper.addresses.length === 0) {
    throw new Error("droppingSpares: no spare addresses left for the dropper");
  }
  const extra = [dropper, filler].filter((h) => h.addresses.length > 0);
  return { topology, prefixes, onLinkRoutes: spec.hostAddresses === true ? prefixes : [], hosts: [...hosts, ...extra], routes: [] };
}

/** routed: two adjacent IPv4 /28s of 10.250/16; the router takes the first host address of each, and the spares. */
function planRouted(spec: NetworkSpec, seed: number): AddressPlan {
  if ((spec.family ?? "ipv4") !== "ipv4") throw new Error("routed: IPv4 only");
  if ((spec.droppingSpares ?? 0) > 0 || spec.hostAddresses === true || spec.prefixLength !== undefined) {
    throw new Error("routed: no droppingSpares, hostAddresses or prefixLength");
  }
  const size = 16;
  const pairs = 2 ** (28 - 16) / 2;
  const base = V4_BASE + ((seed >>> 0) % pairs) * 2 * size;
  const segments = [0, 1] as const;
  const free = segments.map((seg) => hostNumbers(4, 28).map((h) => v4(base + seg * size + h)));
  const planned = (seg: 0 | 1, address: string): PlannedAddress => ({ family: 4, address, prefixLength: 28, segment: seg });
  const gateway = segments.map((seg) => free[seg]!.shift()!);
  const hosts: PlannedHost[] = spec.hosts.map((h) => {
    const seg = h.segment ?? 0;
    const n = h.addresses ?? 1;
    if (n > free[seg]!.length) throw new Error(`${h.name}: segment ${seg} has no room for ${n} more address(es)`);
    return { name: h.name, role: h.role ?? "node", addresses: free[seg]!.splice(0, n).map((a) => planned(seg, a)) };
  });
  const router: PlannedHost = {
    name: ROUTER,
    role: "refusing",
    addresses: segments.flatMap((seg) => [gateway[seg]!, ...free[seg]!].map((a) => planned(seg, a))),
  };
  const prefixes = segments.map((seg) => `${v4(base + seg * size)}/28`);
  const routes = hosts.map((h) => {
    const seg = h.addresses[0]?.segment ?? 0;
    return { host: h.name, prefix: prefixes[1 - seg]!, via: gateway[seg]! };
  });
  return { topology: "routed", prefixes, onLinkRoutes: [], hosts: [...hosts, router], routes };
}

/** Every address a scan of the plan's prefixes may reach (same rule as the plan uses). */
export function reachableAddresses(plan: AddressPlan): string[] {
  return plan.hosts.flatMap((h) => h.addresses.map((a) => a.address));
}
