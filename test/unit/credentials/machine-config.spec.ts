import { describe, expect, it } from "vitest";
import { CredentialsError } from "../../../src/credentials/errors.js";
import { parseMachineConfig } from "../../../src/credentials/machine-config.js";
import { talosConfigYaml } from "../../helpers/talos-config.js";

const CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN ED25519 PRIVATE KEY-----\nSECRETSECRET\n-----END ED25519 PRIVATE KEY-----\n";
const OTHER = "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n";

function errorOf(fn: () => unknown): CredentialsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CredentialsError);
    return err as CredentialsError;
  }
  throw new Error("expected an error");
}

describe("parseMachineConfig()", () => {
  it("reads a control plane's type, CA and accepted CAs", () => {
    const yaml = talosConfigYaml({ machineType: "controlplane", caCertPem: CERT, caKeyPem: KEY, acceptedCaPems: [OTHER] });
    expect(parseMachineConfig(yaml)).toEqual({
      machineType: "controlplane",
      caCertPem: CERT,
      caKeyPem: KEY,
      acceptedCaPems: [OTHER],
      sideroLink: false,
      cluster: { name: "autobootstrap-test", endpoint: "https://192.0.2.10:6443" },
    });
  });

  it("finds the v1alpha1 document when it is not first", () => {
    const yaml = talosConfigYaml({ machineType: "init", caCertPem: CERT, caKeyPem: KEY, v1alpha1Last: true });
    expect(yaml.startsWith("apiVersion:")).toBe(true);
    expect(parseMachineConfig(yaml).machineType).toBe("init");
  });

  it("reads a worker's empty key as no key", () => {
    const config = parseMachineConfig(talosConfigYaml({ machineType: "worker", caCertPem: CERT, caKeyPem: null }));
    expect(config).toMatchObject({ machineType: "worker", caKeyPem: null, acceptedCaPems: [] });
  });

  it.each(["join", ""] as const)("maps machine.type %j to worker, as Talos does", (machineType) => {
    expect(parseMachineConfig(talosConfigYaml({ machineType, caCertPem: CERT, caKeyPem: null })).machineType).toBe("worker");
  });

  it("refuses an unknown machine type", () => {
    const yaml = talosConfigYaml({ machineType: "worker", caCertPem: CERT, caKeyPem: null }).replace("type: worker", "type: boss");
    expect(errorOf(() => parseMachineConfig(yaml)).kind).toBe("config-invalid");
  });

  it("reports corrupt YAML by position, without quoting the text", () => {
    const yaml = talosConfigYaml({ machineType: "controlplane", caCertPem: CERT, caKeyPem: KEY });
    const broken = yaml.replace(/key: (\S+)/, 'key: "$1\n  : [');
    const err = errorOf(() => parseMachineConfig(broken));
    expect(err.kind).toBe("config-invalid");
    expect(err.message).toMatch(/^YAML error \w+ in document 1 at line \d+, column \d+$/);
    const keyB64 = Buffer.from(KEY).toString("base64");
    expect(err.message).not.toContain(keyB64.slice(0, 16));
  });

  it("refuses a config without a v1alpha1 document, or with two", () => {
    expect(errorOf(() => parseMachineConfig("apiVersion: v1alpha1\nkind: HostnameConfig\n")).message).toMatch(/found 0/);
    const one = talosConfigYaml({ machineType: "worker", caCertPem: CERT, caKeyPem: null });
    expect(errorOf(() => parseMachineConfig(`${one}---\n${one}`)).message).toMatch(/found 2/);
    expect(errorOf(() => parseMachineConfig("")).kind).toBe("config-invalid");
  });

  it("refuses a CA that is missing, not base64 or not PEM", () => {
    const base = talosConfigYaml({ machineType: "controlplane", caCertPem: CERT, caKeyPem: KEY });
    const crt = Buffer.from(CERT).toString("base64");
    for (const [replacement, message] of [
      ["crt: ''", /machine.ca.crt is empty/],
      ["crt: '%%%not base64'", /machine.ca.crt is not base64/],
      [`crt: ${Buffer.from("hello").toString("base64")}`, /machine.ca.crt is not a PEM/],
    ] as const) {
      const err = errorOf(() => parseMachineConfig(base.replace(`crt: ${crt}`, replacement)));
      expect([err.kind, err.message]).toEqual(["ca-invalid", expect.stringMatching(message)]);
    }
  });
});
