// A minimal ELF reader for the image checks: machine, program interpreter,
// DT_NEEDED and DT_RUNPATH/DT_RPATH. Written against the System V gABI, not
// readelf, so the test does not trust the tool the build used. Only what the
// image holds is supported: 64-bit little-endian (x86-64 and AArch64).
import { open } from "node:fs/promises";

export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;
const DT_STRSZ = 10n;
const DT_RPATH = 15n;
const DT_RUNPATH = 29n;
// Bounds for corrupt input: more would mean we misparsed.
const MAX_PHNUM = 256;
const MAX_DYN_ENTRIES = 4096;

export interface ElfInfo {
  /** e_machine: EM_X86_64, EM_AARCH64, … */
  readonly machine: number;
  /** PT_INTERP, without the trailing NUL; null for libraries and static programs. */
  readonly interpreter: string | null;
  readonly needed: readonly string[];
  /** DT_RUNPATH and DT_RPATH entries, in that order. */
  readonly runpath: readonly string[];
}

interface Segment {
  readonly type: number;
  readonly offset: number;
  readonly vaddr: bigint;
  readonly filesz: number;
}

/** isElf: the file starts with \x7fELF. */
export async function isElf(path: string): Promise<boolean> {
  const fh = await open(path, "r");
  try {
    const b = Buffer.alloc(4);
    const { bytesRead } = await fh.read(b, 0, 4, 0);
    return bytesRead === 4 && b.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } finally {
    await fh.close();
  }
}

/** readElf parses what the loader needs from an ELF64 LE file; it throws on anything else. */
export async function readElf(path: string): Promise<ElfInfo> {
  const fh = await open(path, "r");
  const at = async (pos: number, len: number): Promise<Buffer> => {
    const b = Buffer.alloc(len);
    const { bytesRead } = await fh.read(b, 0, len, pos);
    if (bytesRead !== len) throw new Error(`${path}: truncated at ${pos}+${len}`);
    return b;
  };
  try {
    const h = await at(0, 64);
    if (h.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${path}: not ELF`);
    if (h[4] !== 2 || h[5] !== 1) throw new Error(`${path}: not ELF64 little-endian (class ${h[4]}, data ${h[5]})`);
    const machine = h.readUInt16LE(18);
    const phoff = Number(h.readBigUInt64LE(32));
    const phentsize = h.readUInt16LE(54);
    const phnum = h.readUInt16LE(56);
    if (phnum > MAX_PHNUM || (phnum > 0 && phentsize < 56)) throw new Error(`${path}: bad program headers`);

    const segments: Segment[] = [];
    const ph = await at(phoff, phentsize * phnum);
    for (let i = 0; i < phnum; i++) {
      const o = i * phentsize;
      segments.push({
        type: ph.readUInt32LE(o),
        offset: Number(ph.readBigUInt64LE(o + 8)),
        vaddr: ph.readBigUInt64LE(o + 16),
        filesz: Number(ph.readBigUInt64LE(o + 32)),
      });
    }

    const interpSeg = segments.find((s) => s.type === PT_INTERP);
    const interpreter = interpSeg === undefined ? null : (await at(interpSeg.offset, interpSeg.filesz)).toString("latin1").replace(/\0+$/, "");

    const dyn = segments.find((s) => s.type === PT_DYNAMIC);
    if (dyn === undefined) return { machine, interpreter, needed: [], runpath: [] };
    const entries = Math.min(dyn.filesz / 16, MAX_DYN_ENTRIES);
    const table = await at(dyn.offset, entries * 16);
    const tags: { tag: bigint; val: bigint }[] = [];
    for (let i = 0; i < entries; i++) {
      const tag = table.readBigInt64LE(i * 16);
      if (tag === DT_NULL) break;
      tags.push({ tag, val: table.readBigUInt64LE(i * 16 + 8) });
    }
    const strtabAddr = tags.find((t) => t.tag === DT_STRTAB)?.val;
    const strsz = Number(tags.find((t) => t.tag === DT_STRSZ)?.val ?? 0n);
    if (strtabAddr === undefined) throw new Error(`${path}: PT_DYNAMIC without DT_STRTAB`);
    // DT_STRTAB is a virtual address: map it to a file offset via its PT_LOAD.
    const load = segments.find((s) => s.type === PT_LOAD && strtabAddr >= s.vaddr && strtabAddr < s.vaddr + BigInt(s.filesz));
    if (load === undefined) throw new Error(`${path}: DT_STRTAB outside every PT_LOAD`);
    const strtab = await at(load.offset + Number(strtabAddr - load.vaddr), strsz);
    const str = (off: bigint): string => {
      const start = Number(off);
      const end = strtab.indexOf(0, start);
      return strtab.toString("latin1", start, end < 0 ? strtab.length : end);
    };
    const of = (tag: bigint) => tags.filter((t) => t.tag === tag).map((t) => str(t.val));
    const runpath = [...of(DT_RUNPATH), ...of(DT_RPATH)].flatMap((p) => p.split(":")).filter((p) => p !== "");
    return { machine, interpreter, needed: of(DT_NEEDED), runpath };
  } finally {
    await fh.close();
  }
}
