import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { CosiState, MachineService, specMessage } from "../../../src/talos/protos.js";

describe("MachineService", () => {
  it("uses Talos's paths and stream shapes", () => {
    expect(Object.keys(MachineService).sort()).toEqual(
      ["Bootstrap", "EtcdMemberList", "EtcdRecover", "EtcdStatus", "List", "Read", "ServiceList", "SystemStat", "Version"],
    );
    expect(MachineService["List"]).toMatchObject({ path: "/machine.MachineService/List", requestStream: false, responseStream: true });
    expect(MachineService["Bootstrap"]?.path).toBe("/machine.MachineService/Bootstrap");
    expect(MachineService["Read"]?.responseStream).toBe(true);
    expect(MachineService["SystemStat"]?.responseStream).toBe(false);
    expect(MachineService["EtcdRecover"]).toMatchObject({ requestStream: true, responseStream: false });
  });

  it("puts List's root in field 1 and FileInfo's relative_name in field 9, as Talos does", () => {
    const req = [...MachineService["List"]!.requestSerialize({ root: "/a" })];
    expect(req).toEqual([0x0a, 0x02, 0x2f, 0x61]);
    const w = protobuf.Writer.create();
    w.uint32(0x30).bool(true).uint32(0x4a).string("m");
    expect(MachineService["List"]!.responseDeserialize(Buffer.from(w.finish()))).toMatchObject({ is_dir: true, relative_name: "m", error: "" });
  });

  it("decodes uint64 boot_time as a string with every bit", () => {
    const m = MachineService["SystemStat"]!;
    const wire = m.responseSerialize({ messages: [{ boot_time: "18446744073709551615" }] });
    expect(m.responseDeserialize(wire)).toMatchObject({ messages: [{ boot_time: "18446744073709551615", metadata: null }] });
  });

  it("puts boot_time in field 2 of the item in field 1", () => {
    const wire = MachineService["SystemStat"]!.responseSerialize({ messages: [{ boot_time: "1" }] });
    // field 1, length-delimited (0x0a), length 2; field 2 varint (0x10) = 1
    expect([...wire]).toEqual([0x0a, 0x02, 0x10, 0x01]);
  });

  it("skips fields a newer Talos sends that the schema leaves out", () => {
    // SystemStat item with cpu_total (field 3, a message) before boot_time.
    const w = protobuf.Writer.create();
    w.uint32(0x0a).fork().uint32(0x1a).fork().uint32(0x09).double(1.5).ldelim().uint32(0x10).uint64(42).ldelim();
    expect(MachineService["SystemStat"]!.responseDeserialize(Buffer.from(w.finish()))).toMatchObject({
      messages: [{ boot_time: "42" }],
    });
  });
});

describe("CosiState", () => {
  it("serves /cosi.resource.State/Get with yaml_spec in Spec field 2", () => {
    const get = CosiState["Get"]!;
    expect(get.path).toBe("/cosi.resource.State/Get");
    const wire = get.responseSerialize({ resource: { spec: { yaml_spec: "worker" } } });
    // resource (1) { spec (2) { yaml_spec (2) "worker" } }
    expect([...wire]).toEqual([0x0a, 0x0a, 0x12, 0x08, 0x12, 0x06, ...Buffer.from("worker")]);
  });
});

describe("specMessage()", () => {
  it("encodes an affiliate's addresses as NetIP bytes in field 2 and machine_type in field 6", () => {
    const t = specMessage("talos.resource.definitions.cluster.AffiliateSpec");
    const wire = Buffer.from(t.encode(t.fromObject({ addresses: [{ ip: Buffer.from([10, 0, 0, 2]) }], machine_type: 2 })).finish());
    // addresses (2) { ip (1) 4 bytes }; machine_type (6) varint 2
    expect([...wire]).toEqual([0x12, 0x06, 0x0a, 0x04, 10, 0, 0, 2, 0x30, 0x02]);
  });
});
