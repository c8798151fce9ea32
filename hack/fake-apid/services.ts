// The services a fake node runs, as ServiceList and the COSI Services
// resources show them. etcd only on control planes (TALOS.md §5).
import { criReady, type NodeRuntime } from "./runtime.js";

export interface ServiceView {
  readonly id: string;
  readonly state: string;
  readonly healthy: boolean;
  /** Health not known yet (Talos reports unknown until the first check). */
  readonly unknown: boolean;
  readonly message: string;
  readonly events: readonly { readonly state: string; readonly msg: string; readonly at: number }[];
}

export function listServices(rt: NodeRuntime, now: number): ServiceView[] {
  const up = (id: string): ServiceView => ({
    id,
    state: "Running",
    healthy: true,
    unknown: false,
    message: "",
    events: [{ state: "Running", msg: "Health check successful", at: rt.startedAt }],
  });
  const cri: ServiceView = criReady(rt, now)
    ? up("cri")
    : { id: "cri", state: "Preparing", healthy: false, unknown: true, message: "", events: [{ state: "Preparing", msg: "Running pre state", at: rt.startedAt }] };
  const out = [up("apid"), cri, up("ext-autobootstrap"), up("machined")];
  const etcd = rt.etcd.refresh(now);
  if (etcd !== null) {
    const isUp = etcd.state === "Running";
    out.push({
      id: "etcd",
      state: etcd.state,
      healthy: isUp,
      unknown: !isUp,
      message: isUp ? "" : etcd.message,
      events: rt.etcd.events(),
    });
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}
