// Test networks made of real network namespaces: one per host, a bridge in a
// namespace of its own, veth pairs, no default route and no way out. Every
// address of the prefixes belongs to a host made here (address-plan.ts).
import { randomInt } from "node:crypto";
import { join } from "node:path";
import { planAddresses, ROUTER, type AddressPlan, type NetworkSpec, type PlannedAddress, type Role } from "./address-plan.js";
import { run, runOk, runSync, type CmdOptions, type CmdResult } from "./cmd.js";
import { dropApid, dropFrom } from "./drop-rule.js";
import { startProcess, type ManagedProcess } from "./process.js";
import { markRunAlive, onExitLastResort, runName } from "./run-id.js";
import { killNamespacePids, killNamespacePidsSync } from "./ns-pids.js";

/** Inside each host namespace the veth end is called this. */
export const HOST_IFACE = "eth0";

export interface TestHost {
  readonly name: string;
  /** The namespace name, e.g. "abt-1a2b3c-h1". */
  readonly ns: string;
  readonly role: Role;
  readonly addresses: readonly PlannedAddress[];
  /** The first address (IPv4 when it has one). */
  readonly address: string;
}

export interface SpawnOptions {
  readonly logFile: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

export interface TestNetwork {
  readonly plan: AddressPlan;
  readonly hosts: readonly TestHost[];
  /** Namespace holding the bridge; null for p2p. */
  readonly bridgeNs: string | null;
  host(name: string): TestHost;
  /** Run argv in the host's namespace and wait for it. */
  exec(host: string | TestHost, argv: readonly string[], opts?: CmdOptions): Promise<CmdResult>;
  /** Start argv in the host's namespace; it is stopped on teardown. */
  spawn(host: string | TestHost, argv: readonly string[], opts: SpawnOptions): Promise<ManagedProcess>;
  /** Cut all traffic between two hosts, both ways (each drops what comes from the other): a partition. */
  cut(a: string | TestHost, b: string | TestHost): Promise<void>;
  /** Stop what was spawned, kill what is left in our namespaces, delete them. Idempotent. */
  teardown(): Promise<void>;
}

let networks = 0;

/** createNetwork builds the namespaces of spec; on any failure it removes what it made and rethrows. */
export async function createNetwork(spec: NetworkSpec): Promise<TestNetwork> {
  markRunAlive();
  const plan = planAddresses(spec, randomInt(2 ** 31));
  const tag = `n${networks++}`;
  const nsOf = (name: string) => runName(`${tag}-${name}`);
  const hosts: TestHost[] = plan.hosts.map((h) => ({
    name: h.name,
    ns: nsOf(h.name),
    role: h.role,
    addresses: h.addresses,
    address: (h.addresses.find((a) => a.family === 4) ?? h.addresses[0])!.address,
  }));
  const bridgeNs = plan.topology === "p2p" ? null : nsOf("br");
  const allNs = [...hosts.map((h) => h.ns), ...(bridgeNs !== null ? [bridgeNs] : [])];
  const created: string[] = [];
  const spawned: ManagedProcess[] = [];

  const deleteAllSync = () => {
    for (const ns of created) {
      killNamespacePidsSync(ns);
      runSync(["ip", "netns", "del", ns]);
    }
  };
  const forget = onExitLastResort(deleteAllSync);
  let tearing: Promise<void> | null = null;
  const teardown = () =>
    (tearing ??= (async () => {
      await Promise.allSettled(spawned.map((p) => p.stop()));
      for (const ns of created) {
        await killNamespacePids(ns);
        await run(["ip", "netns", "del", ns]);
      }
      forget();
    })());

  try {
    for (const ns of allNs) {
      await runOk(["ip", "netns", "add", ns]);
      created.push(ns);
      await runOk(["ip", "-n", ns, "link", "set", "lo", "up"]);
    }
    await wire(plan, hosts, bridgeNs);
    for (const h of hosts) if (h.role === "dropping") await dropApid(h.ns);
  } catch (err) {
    await teardown();
    throw err;
  }

  const host = (h: string | TestHost): TestHost => {
    if (typeof h !== "string") return h;
    const found = hosts.find((x) => x.name === h);
    if (found === undefined) throw new Error(`no test host "${h}" (have ${hosts.map((x) => x.name).join(", ")})`);
    return found;
  };
  return {
    plan,
    hosts,
    bridgeNs,
    host,
    exec: (h, argv, opts) => run(["ip", "netns", "exec", host(h).ns, ...argv], opts),
    spawn: async (h, argv, opts) => {
      if (tearing !== null) throw new Error("spawn after teardown");
      const p = await startProcess(["ip", "netns", "exec", host(h).ns, ...argv], opts);
      spawned.push(p);
      return p;
    },
    cut: async (a, b) => {
      const [x, y] = [host(a), host(b)];
      await dropFrom(x.ns, y.addresses.map((p) => p.address));
      await dropFrom(y.ns, x.addresses.map((p) => p.address));
    },
    teardown,
  };
}

/** wire links the hosts (bridge, or one veth pair for p2p; two bridges and a router for routed) and adds their addresses. */
async function wire(plan: AddressPlan, hosts: readonly TestHost[], bridgeNs: string | null): Promise<void> {
  if (plan.topology === "routed") return wireRouted(plan, hosts, bridgeNs as string);
  if (bridgeNs === null) {
    const [a, b] = hosts;
    if (a === undefined || b === undefined) throw new Error("p2p needs two hosts");
    await runOk(["ip", "link", "add", "name", HOST_IFACE, "netns", a.ns, "type", "veth", "peer", "name", HOST_IFACE, "netns", b.ns]);
  } else {
    if (plan.topology === "bridge") {
      await runOk(["ip", "-n", bridgeNs, "link", "add", "br0", "type", "bridge"]);
      await runOk(["ip", "-n", bridgeNs, "link", "set", "br0", "up"]);
    }
    for (const [i, h] of hosts.entries()) {
      const port = `p${i}`;
      await runOk(["ip", "link", "add", "name", HOST_IFACE, "netns", h.ns, "type", "veth", "peer", "name", port, "netns", bridgeNs]);
      if (plan.topology === "bridge") await runOk(["ip", "-n", bridgeNs, "link", "set", port, "master", "br0"]);
      await runOk(["ip", "-n", bridgeNs, "link", "set", port, "up"]);
    }
  }
  for (const h of hosts) {
    for (const a of h.addresses) {
      // nodad: usable at once, no wait for duplicate detection on a segment we own.
      const extra = a.family === 6 ? ["nodad"] : [];
      await runOk(["ip", "-n", h.ns, "addr", "add", `${a.address}/${a.prefixLength}`, "dev", HOST_IFACE, ...extra]);
    }
    await runOk(["ip", "-n", h.ns, "link", "set", HOST_IFACE, "up"]);
    // /32 hosts reach the prefix on-link (no gateway, no way out); needs the link up.
    for (const prefix of plan.onLinkRoutes) await runOk(["ip", "-n", h.ns, "route", "add", prefix, "dev", HOST_IFACE]);
  }
}

/**
 * wireRouted: bridges br0 and br1 (one per segment) in the bridge namespace;
 * each host gets eth<segment> on the segments its addresses are on (the
 * router both), a route to the other segment through the router, and the
 * router forwards. Still no default route: nothing leaves our namespaces.
 */
async function wireRouted(plan: AddressPlan, hosts: readonly TestHost[], bridgeNs: string): Promise<void> {
  for (const seg of [0, 1]) {
    await runOk(["ip", "-n", bridgeNs, "link", "add", `br${seg}`, "type", "bridge"]);
    await runOk(["ip", "-n", bridgeNs, "link", "set", `br${seg}`, "up"]);
  }
  for (const [i, h] of hosts.entries()) {
    for (const seg of [...new Set(h.addresses.map((a) => a.segment ?? 0))]) {
      const iface = `eth${seg}`;
      const port = `p${i}s${seg}`;
      await runOk(["ip", "link", "add", "name", iface, "netns", h.ns, "type", "veth", "peer", "name", port, "netns", bridgeNs]);
      await runOk(["ip", "-n", bridgeNs, "link", "set", port, "master", `br${seg}`]);
      await runOk(["ip", "-n", bridgeNs, "link", "set", port, "up"]);
      for (const a of h.addresses.filter((x) => (x.segment ?? 0) === seg)) {
        await runOk(["ip", "-n", h.ns, "addr", "add", `${a.address}/${a.prefixLength}`, "dev", iface]);
      }
      await runOk(["ip", "-n", h.ns, "link", "set", iface, "up"]);
    }
  }
  for (const r of plan.routes) await runOk(["ip", "-n", hosts.find((h) => h.name === r.host)!.ns, "route", "add", r.prefix, "via", r.via]);
  const router = hosts.find((h) => h.name === ROUTER);
  if (router !== undefined) await runOk(["ip", "netns", "exec", router.ns, "sysctl", "-qw", "net.ipv4.ip_forward=1"]);
}

/** logPath is a convenience for spawn: <dir>/<host>.<what>.log. */
export function logPath(dir: string, host: TestHost, what: string): string {
  return join(dir, `${host.name}.${what}.log`);
}

export { sweepStale } from "./sweep.js";
