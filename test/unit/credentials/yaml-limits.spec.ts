// config.yaml is refused before parsing when its structure would make the
// parse slow or large (issue 12: 40k keys took 11.6 s, 800 KB of nested
// flow 540 MB), and a config with big inline manifests still passes.
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseMachineConfig } from "../../../src/credentials/machine-config.js";
import { CredentialsError } from "../../../src/credentials/errors.js";
import { MAX_CONFIG_BYTES, MAX_CONFIG_DEPTH, MAX_CONFIG_TOKENS, configSizeProblem } from "../../../src/credentials/yaml-limits.js";
import { talosConfigYaml, talosKeyPem } from "../../helpers/talos-config.js";
import { makeCa } from "../talos/pki.js";

const config = async (extra = ""): Promise<string> => {
  const ca = await makeCa("ed25519");
  return talosConfigYaml({ machineType: "controlplane", caCertPem: ca.certPem, caKeyPem: talosKeyPem(ca.key) }) + extra;
};

function refusal(text: string): CredentialsError {
  try {
    parseMachineConfig(text);
  } catch (err) {
    expect(err).toBeInstanceOf(CredentialsError);
    return err as CredentialsError;
  }
  throw new Error("expected config-invalid");
}

afterEach(() => vi.restoreAllMocks());

describe("configSizeProblem()", () => {
  it("passes a Talos config, inline manifests of megabytes included", async () => {
    const manifest = Array.from({ length: 40_000 }, (_, i) => `      key${i}: [value, {a: b}] # not structure: a block scalar`).join("\n");
    const text = await config(`---\napiVersion: v1alpha1\nkind: InlineManifestish\ncontents: |\n${manifest}\n`);
    expect(text.length).toBeGreaterThan(2 * 1024 * 1024);
    expect(configSizeProblem(text)).toBeUndefined();
    expect(parseMachineConfig(text).machineType).toBe("controlplane");
  });

  it("refuses many keys, deep flow, deep indentation and compact nesting, naming the limit", () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `k${i}: 1`).join("\n");
    expect(configSizeProblem(keys)).toBe(`config.yaml has more than ${MAX_CONFIG_TOKENS} YAML tokens`);
    expect(configSizeProblem(`a: ${"[".repeat(400_000)}${"]".repeat(400_000)}`)).toBe(`config.yaml nests more than ${MAX_CONFIG_DEPTH} levels`);
    expect(configSizeProblem(`a: ${"{b: ".repeat(65)}1${"}".repeat(65)}`)).toMatch(/nests more than/);
    expect(configSizeProblem(`a: ${"[".repeat(64)}1${"]".repeat(64)}`)).toBeUndefined();
    const stairs = Array.from({ length: 300 }, (_, i) => `${" ".repeat(i)}a:`).join("\n");
    expect(configSizeProblem(stairs)).toMatch(/indented deeper than 256 columns/);
    expect(configSizeProblem(`a:\n${"- ".repeat(100)}x\n`)).toMatch(/nests more than/);
    expect(configSizeProblem("x".repeat(MAX_CONFIG_BYTES + 1))).toMatch(/larger than/);
  });

  it("makes parseMachineConfig refuse them as config-invalid, before parsing", () => {
    const err = refusal(Array.from({ length: 40_000 }, (_, i) => `k${i}: 1`).join("\n"));
    expect(err.kind).toBe("config-invalid");
    expect(err.message).toMatch(/YAML tokens/);
    expect(refusal(`${"[".repeat(400_000)}${"]".repeat(400_000)}`).message).toMatch(/nests more than/);
  });
});

describe("parseMachineConfig() warnings", () => {
  it("prints nothing of the config to stderr when the YAML library has a warning", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const emit = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    // A key that is a collection: the library warns, quoting it, when it converts the document.
    const text = await config(`---\napiVersion: v1alpha1\nkind: Odd\n? [secret-key-part, more]\n: value\n`);
    expect(parseMachineConfig(text).machineType).toBe("controlplane");
    expect(warn).not.toHaveBeenCalled();
    expect(emit).not.toHaveBeenCalled();
  });
});
