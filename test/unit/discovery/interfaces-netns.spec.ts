// Checks, in a network namespace of our own, the claim interfaces.ts relies
// on: os.networkInterfaces() omits interfaces that are not UP and RUNNING.
// Needs root and iproute2; skipped otherwise, saying why. No packet leaves the namespace.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { NetworkInterfaceInfo } from "node:os";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { localNetwork } from "../../../src/discovery/interfaces.js";
import { formatPrefix } from "../../../src/discovery/prefixes.js";
import { skipReason } from "../../helpers/preflight.js";
import { skipWith } from "../../helpers/skips.js";

const exec = promisify(execFile);
const DEADLINE_MS = 20_000;

async function ip(...args: string[]): Promise<string> {
  const { stdout } = await exec("ip", args, { timeout: DEADLINE_MS });
  return stdout;
}

/** Why no namespace can be made here, or null. */
async function whyNoNamespaces(): Promise<string | null> {
  const basic = skipReason(["netns"]);
  if (basic !== null) return basic;
  try {
    await exec("ip", ["netns", "list"], { timeout: DEADLINE_MS });
    return null;
  } catch (err) {
    return `ip netns list fails: ${(err as Error).message.split("\n")[0]}`;
  }
}

describe("localNetwork() in a network namespace", skipWith(await whyNoNamespaces()), () => {
  it("sees only interfaces that are up and running", async () => {
    const ns = `abt-disc-${process.pid}-${randomBytes(3).toString("hex")}`;
    await ip("netns", "add", ns);
    try {
      const inNs = (...args: string[]) => ip("-n", ns, ...args);
      await inNs("link", "set", "lo", "up");
      // up, peer up: running
      await inNs("link", "add", "up0", "type", "veth", "peer", "name", "up1");
      await inNs("addr", "add", "10.231.0.1/24", "dev", "up0");
      await inNs("addr", "add", "fd31::1/120", "dev", "up0", "nodad");
      await inNs("link", "set", "up1", "up");
      await inNs("link", "set", "up0", "up");
      // administratively down
      await inNs("link", "add", "down0", "type", "veth", "peer", "name", "down1");
      await inNs("addr", "add", "10.231.1.1/24", "dev", "down0");
      await inNs("link", "set", "down1", "up");
      // up, but its peer is down: NO-CARRIER, not RUNNING
      await inNs("link", "add", "nocar0", "type", "veth", "peer", "name", "nocar1");
      await inNs("addr", "add", "10.231.2.1/24", "dev", "nocar0");
      await inNs("link", "set", "nocar0", "up");

      const script = 'process.stdout.write(JSON.stringify(require("node:os").networkInterfaces()))';
      const { stdout } = await exec("ip", ["netns", "exec", ns, process.execPath, "-e", script], { timeout: DEADLINE_MS });
      const ifaces = JSON.parse(stdout) as NodeJS.Dict<NetworkInterfaceInfo[]>;

      // up1 is listed too (it is running, with only an fe80:: address).
      expect(Object.keys(ifaces).sort()).toEqual(["lo", "up0", "up1"]);
      const net = localNetwork(ifaces);
      expect(net.addresses).toEqual(["10.231.0.1", "fd31::1"]);
      expect(net.prefixes.map(formatPrefix)).toEqual(["10.231.0.0/24", "fd31::/120"]);
    } finally {
      await ip("netns", "del", ns);
    }
  });
});
