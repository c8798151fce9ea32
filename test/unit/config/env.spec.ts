import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../../src/config/duration.js";
import { ConfigError, loadConfig } from "../../../src/config/env.js";

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
  it("has the Go agent's defaults, and no default quorum", () => {
    const c = loadConfig({ [`${P}QUORUM_NODES`]: "2" });
    expect(c).toMatchObject({
      logLevel: "info",
      quorum: 2,
      controlPlanes: null,
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
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("refuses a missing quorum, naming the variable", () => {
    expect(() => loadConfig({})).toThrow(new ConfigError(`invalid configuration: ${P}QUORUM_NODES is required`));
  });

  it("refuses out-of-range values, naming each variable", () => {
    const err = (() => {
      try {
        loadConfig({ [`${P}QUORUM_NODES`]: "0", [`${P}SCAN_CONCURRENCY`]: "0", [`${P}SCAN_TIMEOUT`]: "0s", [`${P}SCAN_INTERVAL`]: "soon" });
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    for (const name of ["QUORUM_NODES", "SCAN_CONCURRENCY", "SCAN_TIMEOUT", "SCAN_INTERVAL"]) expect(err?.message).toContain(`${P}${name}`);
  });

  it("refuses a quorum that is not a strict majority of the stated control planes", () => {
    expect(() => loadConfig({ [`${P}QUORUM_NODES`]: "1", [`${P}CONTROL_PLANES`]: "3" })).toThrow(/not a strict majority.*use 2/);
    expect(() => loadConfig({ [`${P}QUORUM_NODES`]: "2", [`${P}CONTROL_PLANES`]: "4" })).toThrow(/not a strict majority.*use 3/);
    expect(() => loadConfig({ [`${P}QUORUM_NODES`]: "4", [`${P}CONTROL_PLANES`]: "3" })).toThrow(/exceeds/);
    expect(loadConfig({ [`${P}QUORUM_NODES`]: "2", [`${P}CONTROL_PLANES`]: "3" }).controlPlanes).toBe(3);
    expect(loadConfig({ [`${P}QUORUM_NODES`]: "1", [`${P}CONTROL_PLANES`]: "1" }).quorum).toBe(1);
  });

  it("splits SCAN_CIDR and PEERS on commas and reads durations", () => {
    const c = loadConfig({
      [`${P}QUORUM_NODES`]: "3",
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
    expect(() => loadConfig({ [`${P}QUORUM_NODES`]: "1", LOG_LEVEL: "loud" })).toThrow(/LOG_LEVEL/);
  });

  it("PEER_DISCOVERY: auto by default, one of three modes, and no SCAN_CIDR with no-scan", () => {
    expect(loadConfig({ [`${P}QUORUM_NODES`]: "2" }).peerDiscovery).toBe("auto");
    for (const mode of ["auto", "no-scan", "scan-only"]) expect(loadConfig({ [`${P}QUORUM_NODES`]: "2", [`${P}PEER_DISCOVERY`]: mode }).peerDiscovery).toBe(mode);
    expect(() => loadConfig({ [`${P}QUORUM_NODES`]: "2", [`${P}PEER_DISCOVERY`]: "talos" })).toThrow(new RegExp(`${P}PEER_DISCOVERY`));
    expect(() => loadConfig({ [`${P}QUORUM_NODES`]: "2", [`${P}PEER_DISCOVERY`]: "no-scan", [`${P}SCAN_CIDR`]: "10.0.0.0/24" })).toThrow(/SCAN_CIDR is set but .*no-scan never scans/);
    expect(loadConfig({ [`${P}QUORUM_NODES`]: "2", [`${P}PEER_DISCOVERY`]: "scan-only", [`${P}SCAN_CIDR`]: "10.0.0.0/24" }).scanCidr).toEqual(["10.0.0.0/24"]);
  });
});
