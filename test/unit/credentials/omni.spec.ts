// Spotting a node that Omni manages (it bootstraps its clusters itself):
// the machine config's SideroLinkConfig document, the kernel's
// siderolink.api argument, the verdict and its override variable.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/env.js";
import { omniVerdict } from "../../../src/core/omni.js";
import { kernelParams, sideroLinkOnCmdline } from "../../../src/credentials/cmdline.js";
import { hasSideroLinkConfig, parseMachineConfig } from "../../../src/credentials/machine-config.js";
import { talosConfigYaml } from "../../helpers/talos-config.js";

const CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const SIDEROLINK_DOC = "apiVersion: v1alpha1\nkind: SideroLinkConfig\napiUrl: https://omni.example:8090?jointoken=secret\n";

describe("hasSideroLinkConfig() / parseMachineConfig().sideroLink", () => {
  const base = talosConfigYaml({ machineType: "controlplane", caCertPem: CERT, caKeyPem: null });

  it("is false for a plain multi-document config", () => {
    expect(parseMachineConfig(base).sideroLink).toBe(false);
  });

  it("is true with a SideroLinkConfig document, first or last", () => {
    expect(parseMachineConfig(`${base}---\n${SIDEROLINK_DOC}`).sideroLink).toBe(true);
    expect(parseMachineConfig(`${SIDEROLINK_DOC}---\n${base}`).sideroLink).toBe(true);
  });

  it("looks at the kind only, not at other documents' fields", () => {
    expect(hasSideroLinkConfig([{ kind: "ExtensionServiceConfig", name: "SideroLinkConfig" }, null, "x", [1]])).toBe(false);
    expect(hasSideroLinkConfig([{ apiVersion: "v1alpha1", kind: "SideroLinkConfig" }])).toBe(true);
  });
});

describe("kernelParams() / sideroLinkOnCmdline()", () => {
  it("splits on whitespace, keeps quoted spaces, separates name and value at the first =", () => {
    expect(kernelParams(' console=ttyS0  talos.platform=metal quiet x="a b=c"\n')).toEqual([
      { name: "console", value: "ttyS0" },
      { name: "talos.platform", value: "metal" },
      { name: "quiet", value: null },
      { name: "x", value: "a b=c" },
    ]);
  });

  it("spots siderolink.api with a value, as Omni's boot media set it", () => {
    expect(sideroLinkOnCmdline("talos.platform=metal siderolink.api=https://omni.example:8090?jointoken=s talos.events.sink=[fdae::1]:8090")).toBe(true);
    expect(sideroLinkOnCmdline('siderolink.api="grpc://omni.example:8090"')).toBe(true);
  });

  it("ignores an empty value, a bare flag, and names that only look alike", () => {
    expect(sideroLinkOnCmdline("siderolink.api= quiet")).toBe(false);
    expect(sideroLinkOnCmdline("siderolink.api")).toBe(false);
    expect(sideroLinkOnCmdline("xsiderolink.api=x siderolink.apis=x talos.siderolink.api=x")).toBe(false);
    expect(sideroLinkOnCmdline("")).toBe(false);
  });
});

describe("omniVerdict()", () => {
  it("stands down on either sign, naming each, unless overridden", () => {
    expect(omniVerdict({ sideroLinkConfig: false, sideroLinkCmdline: false }, false)).toEqual({ kind: "not-managed" });
    expect(omniVerdict({ sideroLinkConfig: true, sideroLinkCmdline: false }, false)).toEqual({ kind: "stand-down", evidence: ["SideroLinkConfig document"] });
    expect(omniVerdict({ sideroLinkConfig: true, sideroLinkCmdline: true }, false)).toEqual({
      kind: "stand-down",
      evidence: ["SideroLinkConfig document", "siderolink.api kernel argument"],
    });
    expect(omniVerdict({ sideroLinkConfig: false, sideroLinkCmdline: true }, true)).toEqual({ kind: "overridden", evidence: ["siderolink.api kernel argument"] });
    expect(omniVerdict({ sideroLinkConfig: false, sideroLinkCmdline: false }, true)).toEqual({ kind: "not-managed" });
  });
});

describe("TALOS_AUTO_BOOTSTRAP_IGNORE_OMNI", () => {
  const q = { TALOS_AUTO_BOOTSTRAP_QUORUM_NODES: "1" };
  it("defaults to false, takes true, and refuses anything else", () => {
    expect(loadConfig(q).ignoreOmni).toBe(false);
    expect(loadConfig({ ...q, TALOS_AUTO_BOOTSTRAP_IGNORE_OMNI: "true" }).ignoreOmni).toBe(true);
    expect(() => loadConfig({ ...q, TALOS_AUTO_BOOTSTRAP_IGNORE_OMNI: "maybe" })).toThrow(/TALOS_AUTO_BOOTSTRAP_IGNORE_OMNI/);
  });
});
