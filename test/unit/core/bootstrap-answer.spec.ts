import { describe, expect, it } from "vitest";
import { afterAnswer, bootstrapAnswer } from "../../../src/core/bootstrap-answer.js";
import type { CallFailureKind } from "../../../src/core/call-failure.js";

const answer = (kind: CallFailureKind) => bootstrapAnswer({ kind, message: `${kind}: words` });

describe("bootstrapAnswer()", () => {
  it("OK and AlreadyExists both mean: the data is (being) written, wait for etcd", () => {
    expect(bootstrapAnswer(null)).toEqual({ kind: "ok" });
    expect(answer("already-exists")).toEqual({ kind: "already-exists" });
    expect(afterAnswer(bootstrapAnswer(null))).toBe("ok");
    expect(afterAnswer(answer("already-exists"))).toBe("ok");
  });

  it("retries what may pass: not ready yet, apid restarting, a lost or garbled reply", () => {
    for (const kind of ["failed-precondition", "unavailable", "timeout", "canceled", "refused", "unknown", "malformed"] as const) {
      expect(answer(kind), kind).toEqual({ kind: "retry", reason: `${kind}: words` });
      expect(afterAnswer(answer(kind))).toBe("retry");
    }
  });

  it("stops on what never passes: etcd-less (InvalidArgument, 1.14), not a control plane, not authorized", () => {
    for (const kind of ["invalid-argument", "unimplemented", "permission-denied", "tls-rejected", "foreign", "not-found"] as const) {
      expect(answer(kind).kind, kind).toBe("refused");
      expect(afterAnswer(answer(kind))).toBe("stop");
    }
  });
});
