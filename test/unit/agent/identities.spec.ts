// The agent's client certificates are renewed on use: at half-life, and when
// the wall clock stepped back before notBefore (a first NTP sync can do that).
import { pino } from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { CERT_TTL_MS, createIdentities } from "../../../src/agent/identities.js";
import { makeCa, type TestCa } from "../talos/pki.js";

let ca: TestCa;
beforeAll(async () => {
  ca = await makeCa("ed25519");
});

function identities() {
  const lines: { msg: string; fingerprint?: string }[] = [];
  const log = pino({ level: "info" }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  const clock = { now: new Date("2026-01-01T00:00:00Z") };
  return { get: createIdentities(ca, log, () => clock.now), clock, lines };
}

const at = (d: Date, ms: number) => new Date(d.getTime() + ms);

describe("createIdentities()", () => {
  it("keeps a certificate until half its validity has passed, then mints a new one", async () => {
    const { get, clock, lines } = identities();
    const first = await get("os:reader");
    const half = first.notBefore.getTime() + (first.notAfter.getTime() - first.notBefore.getTime()) / 2;
    clock.now = new Date(half - 1000);
    expect((await get("os:reader")).fingerprint).toBe(first.fingerprint);
    clock.now = new Date(half);
    const renewed = await get("os:reader");
    expect(renewed.fingerprint).not.toBe(first.fingerprint);
    expect(renewed.notAfter.getTime()).toBeGreaterThan(first.notAfter.getTime());
    // Each mint is logged by fingerprint, never by key.
    expect(lines.filter((l) => l.msg === "client certificate minted").map((l) => l.fingerprint)).toEqual([first.fingerprint, renewed.fingerprint]);
    expect(JSON.stringify(lines)).not.toContain("PRIVATE KEY");
  });

  it("mints a new one when the clock steps back before notBefore", async () => {
    const { get, clock } = identities();
    const first = await get("os:admin");
    clock.now = at(first.notBefore, -1000);
    const stepped = await get("os:admin");
    expect(stepped.fingerprint).not.toBe(first.fingerprint);
    expect(stepped.notBefore.getTime()).toBeLessThanOrEqual(clock.now.getTime());
  });

  it("mints a new one after a forward step past half-life, and keeps roles apart", async () => {
    const { get, clock } = identities();
    const reader = await get("os:reader");
    const admin = await get("os:admin");
    expect(admin.role).toBe("os:admin");
    clock.now = at(clock.now, CERT_TTL_MS * 10);
    const later = await get("os:reader");
    expect(later.fingerprint).not.toBe(reader.fingerprint);
    expect(later.notAfter.getTime()).toBeGreaterThan(clock.now.getTime());
  });
});
