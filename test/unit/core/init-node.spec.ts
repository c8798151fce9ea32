import { describe, expect, it } from "vitest";
import { initNodes } from "../../../src/core/init-node.js";

describe("initNodes()", () => {
  it("lists every init node in view, this node included", () => {
    expect(initNodes([{ address: "10.0.0.1", machineType: "controlplane" }, { address: "10.0.0.2", machineType: "init" }])).toEqual(["10.0.0.2"]);
    expect(initNodes([{ address: "10.0.0.1", machineType: "init" }])).toEqual(["10.0.0.1"]);
  });

  it("is empty among control planes, workers and unknown types: nothing to stand down for", () => {
    const nodes = (["controlplane", "worker", "unknown"] as const).map((machineType, i) => ({ address: `10.0.0.${i + 1}`, machineType }));
    expect(initNodes(nodes)).toEqual([]);
  });
});
