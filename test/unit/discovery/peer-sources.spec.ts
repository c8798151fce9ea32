import { describe, expect, it } from "vitest";
import type { ControlPlanePeer } from "../../../src/discovery/affiliates.js";
import {
  afterProbes,
  discoveryState,
  mergeListing,
  needsScan,
  probeTargets,
  tally,
  type DiscoveredNode,
  type DiscoveredNodes,
} from "../../../src/discovery/peer-sources.js";

const peer = (nodeId: string, addresses: string[]): ControlPlanePeer => ({ nodeId, hostname: nodeId, machineType: "controlplane", addresses });
const node = (nodeId: string, addresses: string[], verified: string | null = null, tried = false): DiscoveredNode => ({ nodeId, addresses, verified, tried });
const nodesOf = (...ns: DiscoveredNode[]): DiscoveredNodes => new Map(ns.map((n) => [n.nodeId, n]));

describe("mergeListing()", () => {
  it("keeps what was learnt of a node while its listing stays, and forgets nodes no longer listed", () => {
    const prev = nodesOf(node("a", ["10.0.0.2"], "10.0.0.2", true), node("gone", ["10.0.0.9"], "10.0.0.9", true));
    const next = mergeListing(prev, [peer("a", ["10.0.0.2"]), peer("b", ["10.0.0.3"])]);
    expect([...next.values()]).toEqual([node("a", ["10.0.0.2"], "10.0.0.2", true), node("b", ["10.0.0.3"])]);
  });

  it("a changed address list is tried again; the verified address stays only if still listed", () => {
    const prev = nodesOf(node("a", ["10.0.0.2"], "10.0.0.2", true), node("b", ["10.0.0.3"], "10.0.0.3", true));
    const next = mergeListing(prev, [peer("a", ["10.0.0.2", "fd00::2"]), peer("b", ["10.0.1.3"])]);
    expect(next.get("a")).toEqual(node("a", ["10.0.0.2", "fd00::2"], "10.0.0.2", false));
    expect(next.get("b")).toEqual(node("b", ["10.0.1.3"], null, false));
  });
});

describe("probeTargets()", () => {
  const nodes = nodesOf(
    node("a", ["10.0.0.2", "fd00::2"], "10.0.0.2", true), // reached
    node("b", ["10.0.1.3", "10.0.2.3"]), // new
    node("c", ["10.0.3.4"], null, true), // tried in vain
  );

  it("full pass: every listed address, then PEERS, each address once and never our own", () => {
    const got = probeTargets(nodes, { full: true, peers: ["10.0.1.3", "10.0.5.5", "10.0.0.1"], known: [], local: ["10.0.0.1"] });
    expect(got).toEqual([
      { address: "10.0.0.2", source: "discovery" },
      { address: "fd00::2", source: "discovery" },
      { address: "10.0.1.3", source: "discovery" },
      { address: "10.0.2.3", source: "discovery" },
      { address: "10.0.3.4", source: "discovery" },
      { address: "10.0.5.5", source: "peers" },
    ]);
  });

  it("other passes: the verified address, a new node's every address, the known finds; not a node tried in vain", () => {
    const got = probeTargets(nodes, { full: false, peers: ["10.0.5.5"], known: [{ address: "10.0.7.7", source: "scan" }], local: [] });
    expect(got).toEqual([
      { address: "10.0.0.2", source: "discovery" },
      { address: "10.0.1.3", source: "discovery" },
      { address: "10.0.2.3", source: "discovery" },
      { address: "10.0.7.7", source: "scan" },
    ]);
  });
});

describe("afterProbes()", () => {
  it("verifies a node at its lowest address that answered as our control plane", () => {
    const nodes = nodesOf(node("a", ["fd00::2", "10.0.0.9", "10.0.0.2"]));
    const got = afterProbes(nodes, new Set(["fd00::2", "10.0.0.9", "10.0.0.2"]), new Set(["fd00::2", "10.0.0.9"]));
    expect(got.get("a")).toEqual(node("a", ["fd00::2", "10.0.0.9", "10.0.0.2"], "10.0.0.9", true));
  });

  it("a node none of whose addresses answered is tried, not verified (foreign, dropping or down)", () => {
    const got = afterProbes(nodesOf(node("a", ["10.0.0.2"])), new Set(["10.0.0.2"]), new Set());
    expect(got.get("a")).toEqual(node("a", ["10.0.0.2"], null, true));
  });

  it("a verified address that stops answering is dropped and the node is tried on every address again", () => {
    const got = afterProbes(nodesOf(node("a", ["10.0.0.2", "10.0.0.3"], "10.0.0.2", true)), new Set(["10.0.0.2"]), new Set());
    expect(got.get("a")).toEqual(node("a", ["10.0.0.2", "10.0.0.3"], null, false));
  });

  it("leaves nodes that were not probed alone", () => {
    const before = node("a", ["10.0.0.2"], null, true);
    expect(afterProbes(nodesOf(before), new Set(["10.9.9.9"]), new Set(["10.9.9.9"])).get("a")).toBe(before);
  });
});

describe("tally()", () => {
  it("counts a node once whatever source also found it, and reads it at its verified address", () => {
    const nodes = nodesOf(node("a", ["10.0.0.2", "10.0.0.3"], "10.0.0.2", true), node("b", ["10.1.0.2"], null, true));
    const got = tally(nodes, [
      { address: "10.0.0.2", source: "discovery" },
      { address: "10.0.0.3", source: "discovery" },
      { address: "10.0.0.3", source: "peers" }, // a PEERS entry naming a listed node
      { address: "10.0.9.9", source: "peers" },
      { address: "10.0.9.9", source: "scan" },
      { address: "10.0.8.8", source: "scan" },
    ]);
    expect(got).toEqual({ read: ["10.0.0.2", "10.0.8.8", "10.0.9.9"], counts: { discovery: 1, peers: 1, scan: 1 } });
  });
});

describe("needsScan()", () => {
  it("auto scans at a full pass only below the quorum; no-scan never; scan-only at every full pass", () => {
    expect(needsScan("auto", true, 1, 2)).toBe(true);
    expect(needsScan("auto", true, 2, 2)).toBe(false);
    expect(needsScan("auto", false, 1, 2)).toBe(false);
    expect(needsScan("no-scan", true, 1, 3)).toBe(false);
    expect(needsScan("scan-only", true, 5, 2)).toBe(true);
    expect(needsScan("scan-only", false, 1, 2)).toBe(false);
  });
});

describe("discoveryState()", () => {
  it("is on exactly when our own affiliate is listed (Talos lists itself whenever discovery runs)", () => {
    expect(discoveryState(["me", "x"], "me", 1)).toEqual({ kind: "on", listed: 1 });
    expect(discoveryState([], "me", 0)).toEqual({ kind: "off" });
    expect(discoveryState(["x"], "me", 1)).toEqual({ kind: "off" });
  });
});
