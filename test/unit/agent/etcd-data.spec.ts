import { describe, expect, it } from "vitest";
import { etcdDataOf, readEtcdData } from "../../../src/agent/handlers/etcd-data.js";
import type { FileEntry, TalosClient } from "../../../src/talos/client.js";

const root: FileEntry = { name: "/var/lib/etcd", relativeName: ".", isDir: true, error: "" };
const member: FileEntry = { name: "/var/lib/etcd/member", relativeName: "member", isDir: true, error: "" };

describe("etcdDataOf()", () => {
  it("is empty for the root alone, present with anything in it", () => {
    expect(etcdDataOf([root])).toEqual({ kind: "empty" });
    expect(etcdDataOf([root, member])).toEqual({ kind: "present" });
    // An entry Talos could not stat is still an entry: the directory is not empty.
    expect(etcdDataOf([root, { ...member, isDir: false, error: "lstat: permission denied" }])).toEqual({ kind: "present" });
  });

  it("never reads doubt as empty: no root, a root that is no directory, or a root Talos could not read", () => {
    expect(etcdDataOf([]).kind).toBe("unknown");
    expect(etcdDataOf([{ ...root, isDir: false }]).kind).toBe("unknown");
    expect(etcdDataOf([{ ...root, isDir: false, error: "open /var/lib/etcd: permission denied" }])).toEqual({
      kind: "unknown",
      reason: "/var/lib/etcd: open /var/lib/etcd: permission denied",
    });
  });
});

describe("readEtcdData()", () => {
  const opts = { signal: new AbortController().signal, timeoutMs: 1000 };
  it("lists /var/lib/etcd with a bound, and turns any failure into unknown, never empty", async () => {
    const asked: unknown[] = [];
    const listing = async () => ({ listDir: async (r: string, o: unknown) => (asked.push([r, o]), [root, member]) }) as unknown as TalosClient;
    expect(await readEtcdData(listing, opts)).toEqual({ kind: "present" });
    expect(asked).toEqual([["/var/lib/etcd", { ...opts, maxEntries: 64 }]]);
    const failing = async () => ({ listDir: () => Promise.reject(new Error("lstat /var/lib/etcd: no such file or directory")) }) as unknown as TalosClient;
    expect(await readEtcdData(failing, opts)).toEqual({ kind: "unknown", reason: "List /var/lib/etcd: lstat /var/lib/etcd: no such file or directory" });
    expect((await readEtcdData(() => Promise.reject(new Error("mint failed")), opts)).kind).toBe("unknown");
  });
});
