// cosi.resource.State Get/List over the resources a fake node has (TALOS.md
// §4). yaml_spec is always filled, as cosi-runtime's server does; proto_spec
// too for the cluster-discovery types (discovery.ts). A resource that does
// not exist right now (Services of a stopped service, EtcdMembers before etcd
// is healthy) is NotFound; a List with nothing to show is an empty stream.
import { stringify } from "yaml";
import { cosiReadAccess } from "./authz.js";
import { affiliateSpec, identitySpec, memberSpec, visibleAffiliates, type SpecForms } from "./discovery.js";
import { timestamp } from "./machine-service.js";
import { listServices } from "./services.js";
import type { Handler, NodeRuntime } from "./runtime.js";
import { Code, StatusError } from "./status.js";

interface FakeResource {
  readonly namespace: string;
  readonly type: string;
  readonly id: string;
  readonly spec: unknown;
  readonly protoSpec?: Buffer;
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
  return [...out, ...clusterResources(rt, now)];
}

/** Identities/local always; Affiliates (by node id) and Members (by nodename) only with discovery on. */
function clusterResources(rt: NodeRuntime, now: number): FakeResource[] {
  const cluster = (type: string, id: string, forms: SpecForms): FakeResource => ({ namespace: "cluster", type, id, spec: forms.yaml, protoSpec: forms.proto });
  const affiliates = visibleAffiliates(rt, now);
  return [
    cluster("Identities.cluster.talos.dev", "local", identitySpec(rt.spec.nodeId)),
    ...affiliates.map((a) => cluster("Affiliates.cluster.talos.dev", a.nodeId, affiliateSpec(a, rt.spec.minor))),
    ...affiliates
      .filter((a) => a.nodename !== "")
      .sort((a, b) => (a.nodename < b.nodename ? -1 : a.nodename > b.nodename ? 1 : 0))
      .map((a) => cluster("Members.cluster.talos.dev", a.nodename, memberSpec(a))),
  ];
}

function toProto(rt: NodeRuntime, r: FakeResource): object {
  const at = timestamp(rt.startedAt);
  return {
    metadata: { namespace: r.namespace, type: r.type, id: r.id, version: "1", owner: "", phase: "running", created: at, updated: at, finalizers: [], labels: {}, annotations: {} },
    // Go's yaml.v3 indents by 4; readers should not care, but keep the look.
    spec: { yaml_spec: stringify(r.spec, { indent: 4 }), ...(r.protoSpec === undefined ? {} : { proto_spec: r.protoSpec }) },
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
