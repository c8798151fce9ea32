import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeNode, type FakeNode } from "../../../hack/fake-apid/node.js";
import { makeClientCert, makeClusterCa, type ClusterCa, type LeafCert } from "../../../hack/fake-apid/pki.js";
import { cleanups, codeOf, dial, status, tempDir, type TestClient } from "./helpers.js";

const BALLOT = "/var/lib/autobootstrap/ballot.json";
let ca: ClusterCa;
let reader: LeafCert;
let admin: LeafCert;
let dirs: Awaited<ReturnType<typeof tempDir>>;
let node: FakeNode;
const stop = new AbortController();
const after = cleanups();

beforeAll(async () => {
  ca = await makeClusterCa("ed25519");
  [reader, admin] = await Promise.all([makeClientCert(ca, ["os:reader"]), makeClientCert(ca, ["os:admin"])]);
  dirs = await tempDir("fake-apid-authz-");
  const filesRoot = join(dirs.path, "root");
  await mkdir(join(filesRoot, "var/lib/autobootstrap"), { recursive: true });
  await writeFile(join(dirs.path, "secret.txt"), "outside\n");
  await symlink(join(dirs.path, "secret.txt"), join(filesRoot, "var/lib/escape"));
  node = await startFakeNode(
    { address: "127.0.0.42", port: 0, ca, machineType: "controlplane", bootTime: 1_700_000_000n, talosVersion: "v1.13", worldDir: join(dirs.path, "world"), filesRoot },
    { signal: stop.signal },
  );
});
afterEach(() => after.run());
afterAll(async () => {
  await node.stop();
  await dirs.remove();
});

function client(service: "machine" | "cosi", cert: LeafCert): TestClient {
  const c = dial(service, node.address, node.port, ca.certPem, cert);
  after.add(() => c.close());
  return c;
}

describe("startFakeNode() RBAC", () => {
  it("lets os:reader call Version, SystemStat and ServiceList", async () => {
    const m = client("machine", reader);
    const stat = await m.unary("SystemStat", {});
    expect((stat["messages"] as { boot_time: string }[])[0]?.boot_time).toBe("1700000000");
    expect(await codeOf(m.unary("Version", {}))).toBe("ok");
    expect(await codeOf(m.unary("ServiceList", {}))).toBe("ok");
  });

  it("refuses os:reader Bootstrap and Read with PermissionDenied", async () => {
    const m = client("machine", reader);
    await expect(m.unary("Bootstrap", {})).rejects.toMatchObject({ code: status.PERMISSION_DENIED, details: "not authorized" });
    expect(await codeOf(m.stream("Read", { path: BALLOT }))).toBe(status.PERMISSION_DENIED);
    expect(node.state.bootstrapCalls().at(-1)).toMatchObject({ code: status.PERMISSION_DENIED, roles: ["os:reader"], fingerprint: reader.fingerprint });
  });

  it("refuses a certificate without any known role", async () => {
    const m = client("machine", await makeClientCert(ca, ["os:nobody"]));
    expect(await codeOf(m.unary("Version", {}))).toBe(status.PERMISSION_DENIED);
  });

  it("serves COSI MachineTypes to os:reader as a bare YAML scalar", async () => {
    const reply = await client("cosi", reader).unary("Get", { namespace: "config", type: "MachineTypes.config.talos.dev", id: "machine-type" });
    expect((reply["resource"] as { spec: { yaml_spec: string } }).spec.yaml_spec).toBe("controlplane\n");
  });

  it("applies the COSI filter: sensitive types need os:admin, unknown types are not supported", async () => {
    const c = client("cosi", reader);
    await expect(c.unary("Get", { namespace: "secrets", type: "OSRootSecrets.secrets.talos.dev", id: "os" })).rejects.toMatchObject({ code: status.PERMISSION_DENIED, details: "not authorized" });
    await expect(c.unary("Get", { namespace: "config", type: "Bogus.talos.dev", id: "x" })).rejects.toMatchObject({
      code: status.PERMISSION_DENIED,
      details: 'resource type "Bogus.talos.dev" is not supported',
    });
  });

  it("answers NotFound for a service that is not Running", async () => {
    const c = client("cosi", reader);
    expect(await codeOf(c.unary("Get", { namespace: "runtime", type: "Services.v1alpha1.talos.dev", id: "apid" }))).toBe("ok");
    expect(await codeOf(c.unary("Get", { namespace: "runtime", type: "Services.v1alpha1.talos.dev", id: "kubelet" }))).toBe(status.NOT_FOUND);
  });
});

describe("startFakeNode() Read", () => {
  it("answers NotFound for a missing file", async () => {
    expect(await codeOf(client("machine", admin).stream("Read", { path: BALLOT }))).toBe(status.NOT_FOUND);
  });

  it("streams a file under filesRoot in chunks", async () => {
    const content = JSON.stringify({ version: 1, pad: "x".repeat(3000) });
    const path = join(dirs.path, "root", BALLOT);
    await writeFile(path, content);
    after.add(() => writeFile(path, "").then(() => undefined));
    const chunks = await client("machine", admin).stream("Read", { path: BALLOT });
    expect(chunks.length).toBeGreaterThan(1);
    expect(Buffer.concat(chunks.map((c) => c["bytes"] as Buffer)).toString()).toBe(content);
  });

  it("refuses a symlink that leaves filesRoot, and directories", async () => {
    const m = client("machine", admin);
    expect(await codeOf(m.stream("Read", { path: "/var/lib/escape" }))).toBe(status.PERMISSION_DENIED);
    expect(await codeOf(m.stream("Read", { path: "/../secret.txt" }))).toBe(status.PERMISSION_DENIED);
    expect(await codeOf(m.stream("Read", { path: "/var/lib" }))).toBe(status.UNKNOWN);
  });
});
