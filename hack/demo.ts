// `npm run demo`: three control planes and a worker on loopback, each running
// the real bundle with Talos's fixed paths; prints what each agent did and
// checks that exactly one Bootstrap happened, on the oldest control plane.
import { readFileSync } from "node:fs";
import { startLocalCluster } from "./local-cluster/cluster.js";

const SHOWN = new Set(["network", "scan result", "election", "consent", "bootstrap executing", "bootstrap accepted; waiting for etcd", "bootstrap succeeded", "cluster already bootstrapped", "not a control plane: nothing to bootstrap", "credentials loaded"]);

function summarize(name: string, address: string, logFile: string): void {
  let text = "";
  try {
    text = readFileSync(logFile, "utf8");
  } catch {
    return;
  }
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    const e = JSON.parse(line) as Record<string, unknown>;
    if (!SHOWN.has(String(e.msg))) continue;
    const { level: _l, time: _t, service: _s, msg, ...fields } = e;
    const detail = JSON.stringify(fields, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
    console.log(`  ${name.padEnd(4)} ${address.padEnd(12)} ${String(msg).padEnd(42)} ${detail.length > 160 ? detail.slice(0, 157) + "..." : detail}`);
  }
}

const cluster = await startLocalCluster({
  subnet: 200,
  nodes: [
    { name: "cp1", host: 2, machineType: "controlplane", bootTime: 1_700_000_300n },
    { name: "cp2", host: 3, machineType: "controlplane", bootTime: 1_700_000_100n },
    { name: "cp3", host: 4, machineType: "controlplane", bootTime: 1_700_000_200n },
    { name: "w1", host: 5, machineType: "worker", bootTime: 1_700_000_000n },
  ],
  env: {
    TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "2",
    TALOS_AUTO_BOOTSTRAP_CONTROL_PLANES: "3",
    TALOS_AUTO_BOOTSTRAP_SCAN_INTERVAL: "3s",
    TALOS_AUTO_BOOTSTRAP_CONSENT_INTERVAL: "250ms",
    TALOS_AUTO_BOOTSTRAP_PRE_BOOTSTRAP_DELAY: "1s",
    TALOS_AUTO_BOOTSTRAP_SCAN_TIMEOUT: "500ms",
  },
});
let ok = false;
try {
  console.log(`demo: 3 control planes + 1 worker on 127.0.200.0/28, quorum 2; oldest control plane is cp2 (127.0.200.3)\n`);
  const codes = await cluster.waitForAgents(60_000);
  for (const n of cluster.nodes) summarize(n.spec.name, n.address, n.agentLog);
  const world = cluster.world();
  const calls = cluster.bootstrapsOk();
  console.log(`\nagents exited: ${JSON.stringify(codes)}`);
  console.log(`etcd clusters created: ${world.clusters.length} (${world.clusters.join(", ")}); successful Bootstrap calls: ${calls}`);
  ok = world.clusters.length === 1 && world.clusters[0] === "127.0.200.3" && calls === 1 && Object.values(codes).every((c) => c === 0);
  console.log(ok ? "demo: OK — exactly one Bootstrap, on the oldest control plane" : "demo: FAILED");
  if (!ok) {
    for (const n of cluster.nodes) {
      console.log(`\n--- ${n.spec.name} agent log (last 20 lines) ---`);
      try {
        console.log(readFileSync(n.agentLog, "utf8").split("\n").slice(-20).join("\n"));
      } catch {
        console.log("(no log)");
      }
    }
  }
} finally {
  await cluster.teardown();
}
process.exit(ok ? 0 : 1);
