import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../../src/config/env.js";
import { isDisabled } from "../../../src/config/off-switch.js";
import { describeSource, parseSha256, parseSource } from "../../../src/config/recovery.js";

const P = "TALOS_AUTO_BOOTSTRAP_";
const SUM = "AB".repeat(32);
const base = { [`${P}QUORUM_NODES`]: "2" };

describe("parseSource()", () => {
  it("takes http(s) URLs and absolute paths", () => {
    expect(parseSource("https://backup.example/etcd/snap.db")).toEqual({ kind: "url", url: "https://backup.example/etcd/snap.db" });
    expect(parseSource(" http://10.0.0.9:8080/s.db ")).toEqual({ kind: "url", url: "http://10.0.0.9:8080/s.db" });
    expect(parseSource("/var/lib/autobootstrap/recover.db")).toEqual({ kind: "file", path: "/var/lib/autobootstrap/recover.db" });
  });

  it("refuses other schemes, relative paths and junk", () => {
    for (const bad of ["ftp://x/s.db", "file:///var/s.db", "s3://bucket/s.db", "snap.db", "./snap.db", "", "https://"]) {
      expect(() => parseSource(bad), bad).toThrow();
    }
  });
});

describe("parseSha256()", () => {
  it("takes 64 hex digits in either case and returns lower case", () => {
    expect(parseSha256(SUM)).toBe("ab".repeat(32));
  });

  it("refuses anything else", () => {
    for (const bad of ["ab".repeat(31), "ab".repeat(33), "zz".repeat(32), `sha256:${"ab".repeat(32)}`, ""]) {
      expect(() => parseSha256(bad), bad).toThrow(/64 hexadecimal/);
    }
  });
});

describe("describeSource()", () => {
  it("drops user info and the query, which may hold credentials", () => {
    const s = describeSource({ kind: "url", url: "https://user:secret@store.example/b/snap.db?X-Amz-Signature=deadbeef" });
    expect(s).toBe("https://store.example/b/snap.db?…");
    expect(s).not.toMatch(/secret|deadbeef/);
    expect(describeSource({ kind: "file", path: "/var/lib/autobootstrap/r.db" })).toBe("/var/lib/autobootstrap/r.db");
  });
});

describe("loadConfig() recovery", () => {
  it("is unarmed by default", () => {
    expect(loadConfig(base).recovery).toBeNull();
  });

  it("arms with a source and its checksum", () => {
    const c = loadConfig({ ...base, [`${P}RECOVER_FROM`]: "https://b.example/s.db", [`${P}RECOVER_SHA256`]: SUM });
    expect(c.recovery).toEqual({ source: { kind: "url", url: "https://b.example/s.db" }, sha256: "ab".repeat(32), skipHashCheck: false });
    const d = loadConfig({ ...base, [`${P}RECOVER_FROM`]: "/var/lib/autobootstrap/db", [`${P}RECOVER_SHA256`]: SUM, [`${P}RECOVER_SKIP_HASH_CHECK`]: "true" });
    expect(d.recovery?.skipHashCheck).toBe(true);
  });

  it("refuses a source without a checksum, a checksum or skip flag without a source, and bad values", () => {
    const cases: Record<string, string>[] = [
      { [`${P}RECOVER_FROM`]: "https://b.example/s.db" },
      { [`${P}RECOVER_SHA256`]: SUM },
      { [`${P}RECOVER_SKIP_HASH_CHECK`]: "true" },
      { [`${P}RECOVER_FROM`]: "s3://b/s.db", [`${P}RECOVER_SHA256`]: SUM },
      { [`${P}RECOVER_FROM`]: "https://b.example/s.db", [`${P}RECOVER_SHA256`]: "abc" },
      { [`${P}RECOVER_FROM`]: "https://b.example/s.db", [`${P}RECOVER_SHA256`]: SUM, [`${P}RECOVER_SKIP_HASH_CHECK`]: "maybe" },
    ];
    for (const env of cases) {
      expect(() => loadConfig({ ...base, ...env }), JSON.stringify(env)).toThrow(ConfigError);
    }
    expect(() => loadConfig({ ...base, [`${P}RECOVER_FROM`]: "https://b.example/s.db" })).toThrow(/RECOVER_SHA256 is required/);
  });
});

describe("isDisabled()", () => {
  it("is off unless the variable says true", () => {
    expect(isDisabled({})).toBe(false);
    expect(isDisabled({ [`${P}DISABLED`]: "false" })).toBe(false);
    expect(isDisabled({ [`${P}DISABLED`]: "true" })).toBe(true);
  });

  it("reads nothing else: a disabled agent with a broken config is still just disabled", () => {
    expect(isDisabled({ [`${P}DISABLED`]: "true", [`${P}QUORUM_NODES`]: "zero", [`${P}RECOVER_FROM`]: "ftp://x" })).toBe(true);
  });

  it("refuses a value that is not a boolean", () => {
    expect(() => isDisabled({ [`${P}DISABLED`]: "please" })).toThrow(ConfigError);
  });
});
