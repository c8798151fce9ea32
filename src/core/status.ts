// What an operator reads in /var/lib/autobootstrap/status.json: the phase
// this agent is in and why, computed from the same step result the agent
// acts on, so the file can never tell a different story than the decision.
// Pure; the shell adds the timestamp and writes it only when it changed.
import type { StepResult } from "./agent.js";
import type { Nominee, View } from "./types.js";
import { whyWaiting } from "./waiting.js";

export type Phase =
  /** Not enough control planes in view, or our own apid is not up yet. */
  | "waiting"
  /** A quorum is in view or a proposal is open: the majority is deciding. */
  | "consenting"
  /** A majority chose a nominee: another node, or this one about to act. */
  | "nominee"
  /** This node is the nominee and is calling Bootstrap (or restoring a snapshot), or waits for its etcd. */
  | "bootstrapping"
  /** etcd runs in this cluster, or there is nothing for this node to do: the agent exits 0. */
  | "done"
  /** The agent stopped without bootstrapping and needs an operator (exit 1). */
  | "refused";

export interface Status {
  readonly phase: Phase;
  readonly why: string;
  /** Control planes in view (this node excluded) by how they were found: scan, static, discovery… */
  readonly peers: Readonly<Record<string, number>>;
  readonly quorum: { readonly seen: number; readonly needed: number };
  readonly nominee: Nominee | null;
  /** The armed recovery's source (credentials removed), or null. */
  readonly recovery: string | null;
  /** The last thing that went wrong (a Bootstrap retry, a failed download), kept until it is replaced. */
  readonly lastError: string | null;
}

/** What the shell knows beside the step: configuration and how peers were found. */
export interface StatusContext {
  readonly quorum: number;
  readonly peers: Readonly<Record<string, number>>;
  readonly recovery: string | null;
  readonly lastError: string | null;
}

export type StatusEvent =
  /** A pass ran step(). */
  | { readonly kind: "pass"; readonly result: StepResult; readonly view: View }
  /** Our own apid did not answer as a control plane of our cluster. */
  | { readonly kind: "unready"; readonly reason: string }
  /** This node acts on its nomination (a long download, an upload, the call). */
  | { readonly kind: "acting"; readonly what: string }
  /** The agent ends without a pass deciding it (stand-down, refusal). */
  | { readonly kind: "end"; readonly phase: "done" | "refused"; readonly why: string };

/** statusOf computes the status; `prev` carries what a pass saw into events that see nothing. */
export function statusOf(e: StatusEvent, ctx: StatusContext, prev: Status | null): Status {
  const base = {
    peers: ctx.peers,
    quorum: { seen: prev?.quorum.seen ?? 1, needed: ctx.quorum },
    nominee: prev?.nominee ?? null,
    recovery: ctx.recovery,
    lastError: ctx.lastError,
  };
  switch (e.kind) {
    case "pass":
      return fromPass(e.result, e.view, ctx, base);
    case "unready":
      return { ...base, phase: "waiting", why: `waiting for this node's own apid: ${e.reason}` };
    case "acting":
      return { ...base, phase: "bootstrapping", why: e.what };
    case "end":
      return { ...base, phase: e.phase, why: e.why };
    default: {
      const unreachable: never = e;
      throw new Error(`unknown status event ${JSON.stringify(unreachable)}`);
    }
  }
}

function fromPass(r: StepResult, view: View, ctx: StatusContext, base: Omit<Status, "phase" | "why">): Status {
  const { candidates, chosen, status } = r.report;
  const s = { ...base, quorum: { seen: candidates.length, needed: ctx.quorum }, nominee: chosen };
  const d = r.decision;
  switch (d.kind) {
    case "exit": {
      // An exiting pass chooses nobody; keep the nominee the earlier passes saw.
      const done = { ...s, nominee: chosen ?? base.nominee };
      const by = status.kind === "bootstrapped" ? status.by.join(", ") : "";
      // `by` names each proof: etcd running, a data directory, a recorded bootstrap.
      const why = d.reason === "bootstrap-succeeded" ? "bootstrap succeeded: etcd runs on this node" : `cluster already bootstrapped (${by})`;
      return { ...done, phase: "done", why };
    }
    case "halt":
      return { ...s, phase: "refused", why: d.reason };
    case "bootstrap":
      return { ...s, phase: "bootstrapping", why: ctx.recovery === null ? "nominated: calling Bootstrap" : `nominated: restoring etcd from ${ctx.recovery}` };
    case "wait": {
      const why = whyWaiting(r, view, ctx.quorum);
      const self = candidates.find((c) => c.self);
      if (chosen !== null && chosen.id === self?.id && r.state.bootstrap.kind !== "none") {
        // A restore that etcd could not do leaves it Failed, and Talos does not retry it.
        const etcd = view.self.etcd;
        const failed = etcd.kind === "absent" && etcd.state === "Failed" ? "; etcd on this node is Failed (see talosctl service etcd)" : "";
        return { ...s, phase: "bootstrapping", why: `${why}${failed}` };
      }
      if (chosen !== null) return { ...s, phase: "nominee", why };
      return { ...s, phase: d.reason === "consent" ? "consenting" : "waiting", why };
    }
    default: {
      const unreachable: never = d;
      throw new Error(`unknown decision ${JSON.stringify(unreachable)}`);
    }
  }
}

/** sameStatus: equal for the file (the shell's timestamp aside), so an unchanged pass writes nothing. */
export function sameStatus(a: Status | null, b: Status): boolean {
  return a !== null && JSON.stringify(a) === JSON.stringify(b);
}
