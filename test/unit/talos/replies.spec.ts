import { describe, expect, it } from "vitest";
import { TalosError } from "../../../src/talos/errors.js";
import { machineTypeOf, serviceOf, single, uint64 } from "../../../src/talos/replies.js";

const kindOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return e instanceof TalosError ? e.kind : "not a TalosError";
  }
  return "no error";
};

describe("uint64()", () => {
  it("keeps every bit above 2^53", () => {
    expect(uint64("9007199254740993", "boot_time")).toBe(9007199254740993n);
    expect(uint64("18446744073709551615", "id")).toBe(2n ** 64n - 1n);
  });

  it("refuses what is not a uint64", () => {
    for (const bad of [12, "-1", "1e3", "", "18446744073709551616", null]) expect(kindOf(() => uint64(bad, "f"))).toBe("malformed");
  });
});

describe("machineTypeOf()", () => {
  it("reads the bare scalar of MachineTypes.config.talos.dev", () => {
    expect(machineTypeOf("controlplane\n")).toBe("controlplane");
    expect(machineTypeOf("worker")).toBe("worker");
    expect(machineTypeOf("init\n")).toBe("init");
    expect(machineTypeOf("unknown\n")).toBe("unknown");
  });

  it("calls anything else malformed", () => {
    for (const bad of ["join", "{a: 1}", "", "[unclosed"]) expect(kindOf(() => machineTypeOf(bad))).toBe("malformed");
  });
});

describe("single()", () => {
  it("returns the first item and refuses empty replies or relayed errors", () => {
    expect(single({ messages: [{ metadata: null }] }, "X")).toEqual({ metadata: null });
    expect(kindOf(() => single({ messages: [] }, "X"))).toBe("malformed");
    expect(kindOf(() => single(null, "X"))).toBe("malformed");
    expect(kindOf(() => single({ messages: [{ metadata: { error: "down" } }] }, "X"))).toBe("unknown");
  });
});

describe("serviceOf()", () => {
  it("says null when Talos has no health verdict", () => {
    expect(serviceOf({ id: "etcd", state: "Waiting", health: { unknown: true, healthy: false } }).healthy).toBeNull();
    expect(serviceOf({ id: "etcd", state: "Running", health: null }).healthy).toBeNull();
    expect(serviceOf({ id: "etcd", state: "Running", health: { unknown: false, healthy: true } }).healthy).toBe(true);
    expect(kindOf(() => serviceOf({ state: "Running" }))).toBe("malformed");
  });
});
