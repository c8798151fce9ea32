import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { TalosError, classifyTls, classifyTransport, toTalosError } from "../../../src/talos/errors.js";

const grpc = (code: number, details: string) => Object.assign(new Error(details), { code, details });

describe("toTalosError()", () => {
  it("maps Talos's gRPC statuses to kinds and keeps code and message", () => {
    const cases: [number, string][] = [
      [status.NOT_FOUND, "not-found"],
      [status.ALREADY_EXISTS, "already-exists"],
      [status.FAILED_PRECONDITION, "failed-precondition"],
      [status.UNIMPLEMENTED, "unimplemented"],
      [status.INVALID_ARGUMENT, "invalid-argument"],
      [status.PERMISSION_DENIED, "permission-denied"],
      [status.DEADLINE_EXCEEDED, "timeout"],
      [status.CANCELLED, "canceled"],
      [status.UNKNOWN, "unknown"],
    ];
    for (const [code, kind] of cases) {
      const error = toTalosError(grpc(code, "etcd data directory is not empty"));
      expect([error.kind, error.code, error.rawMessage]).toEqual([kind, code, "etcd data directory is not empty"]);
    }
  });

  it("reads the reason of an UNAVAILABLE from grpc-js's text", () => {
    const last = (text: string) => toTalosError(grpc(status.UNAVAILABLE, `No connection established. Last error: ${text}. Resolution note: `)).kind;
    expect(last("Error: connect ECONNREFUSED 10.0.0.1:50000")).toBe("refused");
    expect(last("Error: certificate signature failure")).toBe("foreign");
    expect(last("Error: self-signed certificate")).toBe("foreign");
    expect(last("Failed to connect (2026-01-01T00:00:00.000Z)")).toBe("tls-rejected");
    expect(last("Error: 80:error:0A00010B:SSL routines:ssl3_get_record:wrong version number")).toBe("malformed");
    expect(last("Error: read ECONNRESET")).toBe("unavailable");
  });

  it("prefers the verdict of our own peer check", () => {
    const error = toTalosError(grpc(status.UNAVAILABLE, "No connection established"), "IP not in SANs");
    expect([error.kind, error.rawMessage]).toEqual(["foreign", "IP not in SANs"]);
  });

  it("treats a reply that cannot be decoded as malformed", () => {
    expect(toTalosError(grpc(status.INTERNAL, "Response message parsing error: index out of range")).kind).toBe("malformed");
    expect(toTalosError(grpc(status.INTERNAL, "etcd exploded")).kind).toBe("unknown");
  });

  it("passes TalosErrors through and wraps anything else", () => {
    const own = new TalosError("refused", "x");
    expect(toTalosError(own)).toBe(own);
    expect(toTalosError(new DOMException("stop", "AbortError")).kind).toBe("canceled");
    expect(toTalosError("weird").kind).toBe("unavailable");
  });
});

describe("classifyTransport()", () => {
  it("uses the Node error code when there is one", () => {
    expect(classifyTransport("boom", "ECONNREFUSED")).toBe("refused");
    expect(classifyTransport("boom", "ETIMEDOUT")).toBe("timeout");
    expect(classifyTransport("boom", "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED")).toBe("tls-rejected");
    expect(classifyTransport("boom", "ERR_TLS_CERT_ALTNAME_INVALID")).toBe("foreign");
  });
});

describe("classifyTls()", () => {
  it("names a failed handshake from Node's error code (the scan's handshake)", () => {
    expect(classifyTls("unable to verify the first certificate", "UNABLE_TO_VERIFY_LEAF_SIGNATURE")).toBe("foreign");
    expect(classifyTls("Hostname/IP does not match certificate's altnames", "ERR_TLS_CERT_ALTNAME_INVALID")).toBe("foreign");
    expect(classifyTls("tlsv1 alert unknown ca", "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA")).toBe("tls-rejected");
    expect(classifyTls("wrong version number", "ERR_SSL_WRONG_VERSION_NUMBER")).toBe("malformed");
    expect(classifyTls("no application protocol", "ERR_SSL_NO_APPLICATION_PROTOCOL")).toBe("malformed");
    expect(classifyTls("some new OpenSSL failure", "ERR_SSL_SOMETHING_NEW")).toBe("malformed");
  });

  it("names the same failures from text alone (what grpc-js keeps)", () => {
    expect(classifyTls("Error: certificate signature failure")).toBe("foreign");
    expect(classifyTls("SSL alert number 48: tlsv1 alert unknown ca")).toBe("tls-rejected");
    expect(classifyTls("ssl3_get_record:wrong version number")).toBe("malformed");
  });

  it("leaves what is not about TLS to the caller", () => {
    expect(classifyTls("read ECONNRESET", "ECONNRESET")).toBeNull();
    expect(classifyTls("socket hang up")).toBeNull();
  });
});
