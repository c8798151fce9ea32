import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { machineBinding, readProductUuid } from "../../../src/agent/machine-binding.js";
import { nodeIdOf } from "../../../src/discovery/affiliates.js";

describe("machineBinding()", () => {
  it("is a SHA-256 of the node id and the SMBIOS UUID: a clone with a new UUID gets another binding", () => {
    const a = machineBinding("7x1SuC8Ege5BGXdAfTEff5iQnlWZLfv9h1LGMxA2pYkC", "4c4c4544-0036-3110-8052-b3c04f4b4e32");
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(machineBinding("7x1SuC8Ege5BGXdAfTEff5iQnlWZLfv9h1LGMxA2pYkC", "4c4c4544-0036-3110-8052-b3c04f4b4e33")).not.toBe(a);
    expect(machineBinding("7x1SuC8Ege5BGXdAfTEff5iQnlWZLfv9h1LGMxA2pYkC", null)).not.toBe(a);
    expect(() => machineBinding("", null)).toThrow(/malformed/);
  });
});

describe("nodeIdOf()", () => {
  it("reads nodeId from Identities/local, and nothing else", () => {
    expect(nodeIdOf("nodeId: 7x1SuC8Ege5BGXdAfTEff5iQnlWZLfv9h1LGMxA2pYkC\n")).toBe("7x1SuC8Ege5BGXdAfTEff5iQnlWZLfv9h1LGMxA2pYkC");
    expect(nodeIdOf("nodeId: \"abc\"\n")).toBe("abc");
    expect(nodeIdOf("other: x\n")).toBeNull();
  });
});

describe("readProductUuid()", () => {
  let dir = "";
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("returns the UUID, or null when absent, malformed or all zeros", async () => {
    dir = mkdtempSync(join(tmpdir(), "uuid-"));
    const path = join(dir, "product_uuid");
    expect(await readProductUuid(path)).toBeNull();
    writeFileSync(path, "4C4C4544-0036-3110-8052-B3C04F4B4E32\n");
    expect(await readProductUuid(path)).toBe("4c4c4544-0036-3110-8052-b3c04f4b4e32");
    writeFileSync(path, "00000000-0000-0000-0000-000000000000\n");
    expect(await readProductUuid(path)).toBeNull();
  });
});
