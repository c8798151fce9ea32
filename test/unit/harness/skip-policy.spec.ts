// The skip policy CI enforces: which skips test/allowed-skips.txt allows, and
// that the list itself is well formed (the real file included).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { allowedBy, parseAllowList, skipLine, type Skip } from "../../helpers/skip-policy.js";

const skip = (file: string, name: string, reason: string | null = "needs root"): Skip => ({ file, name, reason, todo: false });

describe("parseAllowList()", () => {
  it("reads '<test> :: <reason>' lines and ignores comments and blank lines", () => {
    const list = parseAllowList("# why\n\ntest/a.spec.ts > s > t  ::  no device-mapper here\n");
    expect(list).toEqual({ entries: [{ pattern: "test/a.spec.ts > s > t", why: "no device-mapper here", line: 3 }], errors: [] });
  });

  it("refuses an entry without a reason, naming its line", () => {
    expect(parseAllowList("test/a.spec.ts > s > t\ntest/b.spec.ts > t ::   \n").errors).toEqual([
      expect.stringMatching(/^line 1: /),
      expect.stringMatching(/^line 2: /),
    ]);
  });

  it("keeps IPv6 in a test name: only ' :: ' with spaces separates", () => {
    const list = parseAllowList("test/a.spec.ts > works over IPv6 on ::1 :: no IPv6 loopback");
    expect(list.entries[0]).toMatchObject({ pattern: "test/a.spec.ts > works over IPv6 on ::1", why: "no IPv6 loopback" });
  });

  it("accepts the repository's own allow-list", () => {
    const list = parseAllowList(readFileSync("test/allowed-skips.txt", "utf8"));
    expect(list.errors).toEqual([]);
    expect(list.entries.length).toBeGreaterThan(0);
  });
});

describe("allowedBy()", () => {
  const list = parseAllowList("test/a.spec.ts > s > exact :: r1\ntest/b.spec.ts > * :: r2\n");

  it("allows a listed test by its exact name, and nothing else in that file", () => {
    expect(allowedBy(list, skip("test/a.spec.ts", "s > exact"))?.why).toBe("r1");
    expect(allowedBy(list, skip("test/a.spec.ts", "s > exact too"))).toBeNull();
    expect(allowedBy(list, skip("test/a.spec.ts", "s > exac"))).toBeNull();
  });

  it("lets * match any run of characters, and nothing else act as a pattern", () => {
    expect(allowedBy(list, skip("test/b.spec.ts", "any > thing"))?.why).toBe("r2");
    expect(allowedBy(parseAllowList("test/a.spec.ts > a.c :: r"), skip("test/a.spec.ts", "abc"))).toBeNull();
  });

  it("allows nothing with an empty list", () => {
    expect(allowedBy(parseAllowList(""), skip("test/a.spec.ts", "t"))).toBeNull();
  });
});

describe("skipLine()", () => {
  it("is one line: the test, why it skipped, and the entry that allows it", () => {
    const s = skip("test/a.spec.ts", "s > t", "needs root (running as uid 1000)");
    expect(skipLine(s, null)).toBe("SKIP test/a.spec.ts > s > t: needs root (running as uid 1000)");
    expect(skipLine(s, { pattern: "x", why: "because", line: 7 })).toBe(
      "SKIP test/a.spec.ts > s > t: needs root (running as uid 1000) [allowed, test/allowed-skips.txt:7: because]",
    );
  });

  it("says so when a skip gives no reason, and marks todos", () => {
    expect(skipLine(skip("f", "t", null), null)).toMatch(/: no reason given/);
    expect(skipLine({ ...skip("f", "t", null), todo: true }, null)).toBe("SKIP f > t: todo");
  });
});
