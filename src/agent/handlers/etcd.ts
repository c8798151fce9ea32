// Is etcd running on a node? ServiceList (reader certificate) says: the etcd
// service Running and healthy. Doubt is a value: any failure is "unknown",
// and only "absent" can ever lead to Bootstrap (core/evidence.ts).
import type { EtcdEvidence } from "../../core/types.js";
import type { CallOptions, TalosClient } from "../../talos/client.js";
import { describe } from "./describe.js";

export async function readEtcd(open: () => Promise<TalosClient>, opts: CallOptions): Promise<EtcdEvidence> {
  try {
    const services = await (await open()).serviceList(opts);
    const etcd = services.find((s) => s.id === "etcd");
    if (etcd === undefined) return { kind: "absent", state: "no etcd service" };
    return etcd.state === "Running" && etcd.healthy === true ? { kind: "running" } : { kind: "absent", state: etcd.state };
  } catch (err) {
    return { kind: "unknown", reason: describe(err) };
  }
}
