import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../../src/config/duration.js";
import { ConfigError, controlPlaneConfig, loadConfig, loadControlPlaneConfig, tryControlPlaneConfig } from "../../../src/config/env.js";
import { MAX_TIMER_MS } from "../../../src/config/validators.js";

const P = "TALOS_AUTO_BOOTSTRAP_";

describe("parseDuration()", () => {
  it("reads Go-style durations", () => {
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("1m30s")).toBe(90_000);
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("1.5h")).toBe(5_400_000);
    expect(parseDuration("2m")).toBe(120_000);
    expect(parseDuration("0")).toBe(0);
  });

  it("refuses what Go refuses: bare numbers, unknown units, junk", () => {
    for (const bad of ["30", "10 s", "1d", "s", "", "1m30", "-5s"]) expect(() => parseDuration(bad), bad).toThrow();
  });

  it("formats back the way the config takes it", () => {
    expect(formatDuration(90_000)).toBe("90s");
    expect(formatDuration(120_000)).toBe("2m");
    expect(formatDuration(250)).toBe("250ms");
  });
});

describe("loadConfig()", () => {
  it("has the Go agent's defaults, and needs nothing at all (a worker has no variables)", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      logLevel: "info",
      scanIntervalMs: 30_000,
      followerCheckIntervalMs: 15_000,
      preBootstrapDelayMs: 10_000,
      maxBackoffMs: 120_000,
      scanTimeoutMs: 2_000,
      scanConcurrency: 50,
      scanCidr: [],
      peers: [],
      scanMaxAddresses: 65_536,
      nodeAddress: null,
    });
    expect(c).not.toHaveProperty("quorum");
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("does not look at the control-plane variables, even malformed", () => {
    expect(() => loadConfig({ [`${P}QUORUM_NODES`]: "many", [`${P}CONTROL_PLANES`]: "-1" })).not.toThrow();
  });

  it("refuses out-of-range values, naming each variable", () => {
    const err = (() => {
      try {
        loadConfig({ [`${P}SCAN_CONCURRENCY`]: "0", [`${P}SCAN_TIMEOUT`]: "0s", [`${P}SCAN_INTERVAL`]: "soon" });
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    for (const name of ["SCAN_CONCURRENCY", "SCAN_TIMEOUT", "SCAN_INTERVAL"]) expect(err?.message).toContain(`${P}${name}`);
    expect(err?.message).not.toContain("\n");
  });

  // Above 2^31-1 ms Node's timers fire after 1 ms: SCAN_INTERVAL=1000h gave 1,215 scans in 15 s.
  it("bounds every duration well below what Node's timers can hold", () => {
    const bounds: [string, string, string][] = [
      ["SCAN_INTERVAL", "1h", "1h1s"],
      ["FOLLOWER_CHECK_INTERVAL", "1h", "61m"],
      ["PRE_BOOTSTRAP_DELAY", "1h", "2h"],
      ["MAX_BACKOFF", "1h", "1000h"],
      ["SCAN_TIMEOUT", "5m", "5m1ms"],
      ["CONSENT_INTERVAL", "10m", "11m"],
    ];
    for (const [name, ok, tooLong] of bounds) {
      expect(() => loadConfig({ [`${P}${name}`]: ok }), name).not.toThrow();
      expect(() => loadConfig({ [`${P}${name}`]: tooLong }), name).toThrow(new RegExp(`${P}${name} must be between .* and ${ok}`));
    }
    for (const huge of ["1000h", "600000h", "99999999999999999999h"]) {
      expect(() => loadConfig({ [`${P}SCAN_INTERVAL`]: huge }), huge).toThrow(/SCAN_INTERVAL must be between 100ms and 1h/);
    }
    expect(MAX_TIMER_MS).toBe(2 ** 31 - 1);
  });

  it("checks SCAN_CIDR, PEERS and NODE_ADDRESS at start, naming the variable", () => {
    expect(() => loadConfig({ [`${P}SCAN_CIDR`]: "10.0.0.0/33" })).toThrow(/SCAN_CIDR invalid prefix "10.0.0.0\/33"/);
    expect(() => loadConfig({ [`${P}SCAN_CIDR`]: "10.0.0.0/24,banana" })).toThrow(/SCAN_CIDR invalid prefix "banana"/);
    expect(() => loadConfig({ [`${P}SCAN_CIDR`]: "10.0.0.0/8" })).toThrow(/SCAN_CIDR prefix 10.0.0.0\/8 has 16777216 addresses/);
    expect(() => loadConfig({ [`${P}SCAN_CIDR`]: "10.0.0.0/8", [`${P}SCAN_MAX_ADDRESSES`]: "16777216" })).not.toThrow();
    expect(() => loadConfig({ [`${P}PEERS`]: "10.0.0.1, 10.0.0.300" })).toThrow(/PEERS invalid address "10.0.0.300"/);
    expect(() => loadConfig({ [`${P}PEERS`]: "0.0.0.0" })).toThrow(/PEERS .*unspecified/);
    expect(() => loadConfig({ [`${P}NODE_ADDRESS`]: "node-1" })).toThrow(/NODE_ADDRESS invalid address "node-1"/);
    expect(() => loadConfig({ [`${P}NODE_ADDRESS`]: "10.0.0.1,10.0.0.2" })).toThrow(/NODE_ADDRESS must be one address/);
    expect(loadConfig({ [`${P}NODE_ADDRESS`]: "FD00::0001" }).nodeAddress).toBe("fd00::1");
  });

  it("splits SCAN_CIDR and PEERS on commas and reads durations", () => {
    const c = loadConfig({
      [`${P}SCAN_CIDR`]: "10.0.0.0/24, fd00::/120,",
      [`${P}PEERS`]: "10.1.0.5",
      [`${P}PRE_BOOTSTRAP_DELAY`]: "1m30s",
      LOG_LEVEL: "debug",
    });
    expect(c.scanCidr).toEqual(["10.0.0.0/24", "fd00::/120"]);
    expect(c.peers).toEqual(["10.1.0.5"]);
    expect(c.preBootstrapDelayMs).toBe(90_000);
    expect(c.logLevel).toBe("debug");
  });

  it("refuses an unknown log level", () => {
    expect(() => loadConfig({ LOG_LEVEL: "loud" })).toThrow(/LOG_LEVEL/);
  });
});

describe("controlPlaneConfig()", () => {
  const start = loadConfig({});

  it("requires the quorum, naming the variable", () => {
    expect(() => controlPlaneConfig(start, {})).toThrow(new ConfigError(`invalid configuration: ${P}QUORUM_NODES is required`));
    expect(tryControlPlaneConfig(start, {})).toMatchObject({ ok: false, error: expect.any(ConfigError) });
    expect(() => controlPlaneConfig(start, { [`${P}QUORUM_NODES`]: "0" })).toThrow(/QUORUM_NODES must be between 1 and 1000/);
  });

  it("keeps what was read at start and adds the quorum", () => {
    const c = controlPlaneConfig(loadConfig({ [`${P}SCAN_INTERVAL`]: "5s" }), { [`${P}QUORUM_NODES`]: "2" });
    expect(c).toMatchObject({ quorum: 2, controlPlanes: null, scanIntervalMs: 5_000 });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("refuses a quorum that is not a strict majority of the stated control planes", () => {
    const q = (quorum: string, cps: string) => loadControlPlaneConfig({ [`${P}QUORUM_NODES`]: quorum, [`${P}CONTROL_PLANES`]: cps });
    expect(() => q("1", "3")).toThrow(/not a strict majority.*use 2/);
    expect(() => q("2", "4")).toThrow(/not a strict majority.*use 3/);
    expect(() => q("4", "3")).toThrow(/exceeds/);
    expect(q("2", "3").controlPlanes).toBe(3);
    expect(q("1", "1").quorum).toBe(1);
  });

  it("PEER_DISCOVERY: auto by default, one of three modes, and no SCAN_CIDR with no-scan", () => {
    expect(loadConfig({ [`${P}QUORUM_NODES`]: "2" }).peerDiscovery).toBe("auto");
    for (const mode of ["auto", "no-scan", "scan-only"]) expect(loadConfig({ [`${P}QUORUM_NODES`]: "2", [`${P}PEER_DISCOVERY`]: mode }).peerDiscovery).toBe(mode);
    expect(() => loadConfig({ [`${P}QUORUM_NODES`]: "2", [`${P}PEER_DISCOVERY`]: "talos" })).toThrow(new RegExp(`${P}PEER_DISCOVERY`));
    expect(() => loadConfig({ [`${P}QUORUM_NODES`]: "2", [`${P}PEER_DISCOVERY`]: "no-scan", [`${P}SCAN_CIDR`]: "10.0.0.0/24" })).toThrow(/SCAN_CIDR is set but .*no-scan never scans/);
    expect(loadConfig({ [`${P}QUORUM_NODES`]: "2", [`${P}PEER_DISCOVERY`]: "scan-only", [`${P}SCAN_CIDR`]: "10.0.0.0/24" }).scanCidr).toEqual(["10.0.0.0/24"]);
  });
});
