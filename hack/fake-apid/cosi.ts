// cosi.resource.State Get/List over the resources a fake node has (TALOS.md
// §4). yaml_spec is always filled, as cosi-runtime's server does; a resource
// that does not exist right now (Services of a stopped service, EtcdMembers
// before etcd is healthy) is NotFound.
import { stringify } from "yaml";
import { cosiReadAccess } from "./authz.js";
import { timestamp } from "./machine-service.js";
import { listServices } from "./services.js";
import type { Handler, NodeRuntime } from "./runtime.js";
import { Code, StatusError } from "./status.js";

interface FakeResource {
  readonly namespace: string;
  readonly type: string;
  readonly id: string;
  readonly spec: unknown;
}

function resources(rt: NodeRuntime, now: number): FakeResource[] {
  const { spec } = rt;
  const etcd = rt.etcd.refresh(now);
  const services = listServices(rt, now);
  const etcdUp = etcd === null || etcd.state === "Running";
  const out: FakeResource[] = [
    { namespace: "config", type: "MachineTypes.config.talos.dev", id: "machine-type", spec: spec.machineType },
    {
      namespace: "runtime",
      type: "MachineStatuses.runtime.talos.dev",
      id: "machine",
      spec: {
        stage: "running",
        status: etcdUp
          ? { ready: true, unmetConditions: [] }
          : { ready: false, unmetConditions: [{ name: "services", reason: "service \"etcd\" not healthy" }, { name: "staticPods", reason: "static pods not ready" }] },
      },
    },
    { namespace: "runtime", type: "TimeStatuses.v1alpha1.talos.dev", id: "node", spec: { synced: spec.timeSynced, epoch: 0, syncDisabled: false } },
    ...services
      .filter((s) => s.state === "Running")
      .map((s) => ({ namespace: "runtime", type: "Services.v1alpha1.talos.dev", id: s.id, spec: { running: true, healthy: s.healthy, unknown: s.unknown } })),
  ];
  if (etcd?.state === "Running") out.push({ namespace: "etcd", type: "EtcdMembers.etcd.talos.dev", id: "local", spec: { memberID: etcd.memberId } });
  return out;
}

function toProto(rt: NodeRuntime, r: FakeResource): object {
  const at = timestamp(rt.startedAt);
  return {
    metadata: { namespace: r.namespace, type: r.type, id: r.id, version: "1", owner: "", phase: "running", created: at, updated: at, finalizers: [], labels: {}, annotations: {} },
    // Go's yaml.v3 indents by 4; readers should not care, but keep the look.
    spec: { yaml_spec: stringify(r.spec, { indent: 4 }) },
  };
}

export function cosiHandlers(rt: NodeRuntime): Readonly<Record<string, Handler>> {
  return {
    Get: async (req, ctx) => {
      const { namespace = "", type = "", id = "" } = req as { namespace?: string; type?: string; id?: string };
      cosiReadAccess(type, namespace, ctx.caller.roles);
      const found = resources(rt, ctx.now).find((r) => r.namespace === namespace && r.type === type && r.id === id);
      if (found === undefined) throw new StatusError(Code.NOT_FOUND, `resource ${type}(${namespace}/${id}@undefined) doesn't exist`);
      return [{ resource: toProto(rt, found) }];
    },

    List: async (req, ctx) => {
      const { namespace = "", type = "", options } = req as { namespace?: string; type?: string; options?: { id_query?: { regexp?: string } | null } | null };
      cosiReadAccess(type, namespace, ctx.caller.roles);
      const pattern = options?.id_query?.regexp ?? "";
      const re = pattern === "" ? null : new RegExp(pattern);
      return resources(rt, ctx.now)
        .filter((r) => r.namespace === namespace && r.type === type && (re === null || re.test(r.id)))
        .map((r) => ({ resource: toProto(rt, r) }));
    },
  };
}
