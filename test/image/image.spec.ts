// The built extension image, unpacked as the imager would: (a) the agent
// runs from it in a chroot with no host library in sight, as the service
// definition says to run it; (b) every ELF file is for its arch, and every
// library any of them needs is inside the root where the loader looks.
// Needs root (unshare, chroot, mount); builds out/image first when missing.
import { lstat, mkdtemp, readFile, readdir, readlink, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { skipReason } from "../helpers/preflight.js";
import { skipWith } from "../helpers/skips.js";
import { dryRunInImage, startLoopbackCluster } from "./dry-run.js";
import { EM_AARCH64, EM_X86_64, isElf, readElf } from "./elf.js";
import { ARCHES, BUILD_DEADLINE_MS, CONTAINER_DIR, REPO, SERVICE_FILE, ensureImage, hostArch, unpack, type Arch } from "./image.js";
import { qemuUserStatic } from "./qemu.js";
import type { ServiceSpec } from "./run-in-root.js";
import { runService } from "./run-in-root.js";

const skip = skipReason(["sandbox"]);

const MACHINE: Record<Arch, number> = { amd64: EM_X86_64, arm64: EM_AARCH64 };
const TRIPLET: Record<Arch, string> = { amd64: "x86_64-linux-gnu", arm64: "aarch64-linux-gnu" };
/** Debian's ld.so search path when there is no /etc/ld.so.cache (`ld.so --help`). */
const searchDirs = (arch: Arch) => [`/lib/${TRIPLET[arch]}`, `/usr/lib/${TRIPLET[arch]}`, "/lib", "/usr/lib"];
const MAX_SYMLINK_HOPS = 40;
// Beyond vitest's default hook/test timeouts: a cold build downloads ~110 MB,
// the first qemu run fetches a 62 MB .deb.
const UNPACK_BUDGET_MS = 5 * 60_000;
const QEMU_FETCH_BUDGET_MS = 10 * 60_000;

/** resolveIn follows PATH inside ROOT component by component, as a chroot would; null if it dangles. */
async function resolveIn(root: string, path: string): Promise<string | null> {
  const todo = path.split("/").filter((c) => c !== "");
  const done: string[] = [];
  for (let hops = 0; todo.length > 0; ) {
    const c = todo.shift() as string;
    if (c === ".") continue;
    if (c === "..") {
      done.pop();
      continue;
    }
    const here = join(root, ...done, c);
    const st = await lstat(here).catch(() => null);
    if (st === null) return null;
    if (!st.isSymbolicLink()) {
      done.push(c);
      continue;
    }
    if (++hops > MAX_SYMLINK_HOPS) return null;
    const target = await readlink(here);
    if (target.startsWith("/")) done.length = 0;
    todo.unshift(...target.split("/").filter((x) => x !== ""));
  }
  return join(root, ...done);
}

async function* walk(dir: string): AsyncGenerator<string> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}

describe("extension image", skipWith(skip), () => {
  const unpacked: Partial<Record<Arch, string>> = {};
  const root = (arch: Arch): string => join(unpacked[arch] as string, CONTAINER_DIR);
  let spec: ServiceSpec;

  beforeAll(async () => {
    await ensureImage();
    for (const arch of ARCHES) {
      const dir = await mkdtemp(join(tmpdir(), `image-${arch}-`));
      unpacked[arch] = dir;
      await unpack(arch, dir);
    }
    spec = parse(await readFile(join(unpacked[hostArch()] as string, SERVICE_FILE), "utf8")) as ServiceSpec;
  }, BUILD_DEADLINE_MS + UNPACK_BUDGET_MS);

  afterAll(async () => {
    for (const dir of Object.values(unpacked)) await rm(dir, { recursive: true, force: true });
  });

  for (const arch of ARCHES) {
    describe(`${arch} root`, () => {
      // Here, after beforeAll built the image, so these run whenever this suite
      // does (checking for out/image at collection time missed a fresh clone).
      it("holds only manifest.yaml and rootfs/usr/local, with this repo's yaml and the entrypoint", async () => {
        const dir = unpacked[arch] as string;
        expect((await readdir(dir)).sort()).toEqual(["manifest.yaml", "rootfs"]);
        expect(await readdir(join(dir, "rootfs"))).toEqual(["usr"]);
        expect(await readdir(join(dir, "rootfs/usr"))).toEqual(["local"]);
        expect(await readFile(join(dir, "manifest.yaml"), "utf8")).toBe(await readFile(join(REPO, "manifest.yaml"), "utf8"));
        expect(await readFile(join(dir, SERVICE_FILE), "utf8")).toBe(await readFile(join(REPO, "extension/autobootstrap.yaml"), "utf8"));
        const entry = await lstat(join(root(arch), spec.container.entrypoint));
        expect(entry.isFile()).toBe(true);
        expect(entry.mode & 0o111).toBe(0o111);
        expect((await lstat(join(root(arch), spec.container.args?.[0] ?? "missing"))).isFile()).toBe(true);
      });

      it(`holds only ${arch} ELF files`, async () => {
        const wrong: string[] = [];
        let elves = 0;
        for await (const p of walk(root(arch))) {
          if ((await lstat(p)).isSymbolicLink() || !(await isElf(p))) continue;
          elves++;
          if ((await readElf(p)).machine !== MACHINE[arch]) wrong.push(p);
        }
        expect(wrong).toEqual([]);
        expect(elves).toBeGreaterThanOrEqual(2); // node and its loader at least
      });

      it("resolves every program interpreter and DT_NEEDED library inside the root", async () => {
        const r = root(arch);
        expect(await lstat(join(r, "etc/ld.so.cache")).catch(() => null)).toBeNull(); // so the default dirs apply
        const missing: string[] = [];
        for await (const p of walk(r)) {
          if ((await lstat(p)).isSymbolicLink() || !(await isElf(p))) continue;
          const elf = await readElf(p);
          const rel = "/" + posix.relative(r, p);
          expect(elf.runpath, `${rel} has a RUNPATH`).toEqual([]);
          if (elf.interpreter !== null) {
            const interp = await resolveIn(r, elf.interpreter);
            if (interp === null) missing.push(`${rel}: interpreter ${elf.interpreter}`);
            else expect((await readElf(interp)).machine).toBe(MACHINE[arch]);
          }
          for (const lib of elf.needed) {
            let found = false;
            for (const d of searchDirs(arch)) if ((await resolveIn(r, `${d}/${lib}`)) !== null) found = true;
            if (!found) missing.push(`${rel}: ${lib}`);
          }
        }
        expect(missing).toEqual([]);
      });

      it("ships a loader that searches the directory holding the libraries", async () => {
        // glibc compiles its system directories into ld.so as NUL-terminated strings.
        const node = await readElf(join(root(arch), "usr/bin/node"));
        const loader = await resolveIn(root(arch), node.interpreter as string);
        expect(loader).not.toBeNull();
        expect((await readFile(loader as string)).includes(`/lib/${TRIPLET[arch]}/\0`)).toBe(true);
      });

      it("passes Talos's content rules: no world-writable or special files", async () => {
        const bad: string[] = [];
        for await (const p of walk(unpacked[arch] as string)) {
          const st = await lstat(p);
          if (!st.isSymbolicLink() && (st.mode & 0o002) !== 0) bad.push(`${p}: world-writable`);
          if (!st.isFile() && !st.isSymbolicLink()) bad.push(`${p}: special file`);
        }
        expect(bad).toEqual([]);
      });
    });
  }

  describe("chroot into the root (no host files visible)", () => {
    it("runs the service's entrypoint and args with --version, under its NODE_OPTIONS", async () => {
      const pkg = JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as { version: string };
      const r = await runService(spec, { root: root(hostArch()), extraArgs: ["--version"] });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(`talos-autobootstrap ${pkg.version}`);
    });

    for (const arch of ARCHES.filter((a) => a !== hostArch())) {
      it(`runs --version in the ${arch} root too, under qemu-user`, async () => {
        const r = await runService(spec, { root: root(arch), extraArgs: ["--version"], emulator: await qemuUserStatic(arch) });
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(/^talos-autobootstrap /);
      }, QEMU_FETCH_BUDGET_MS);
    }

    it("sees nothing of the host: node's own libraries are the image's", async () => {
      const probe = { container: { ...spec.container, args: ["-e", "process.stdout.write(require('fs').readdirSync('/').sort().join(' '))"] } };
      const r = await runService(probe, { root: root(hostArch()) });
      expect(r.code).toBe(0);
      expect(r.stdout.split(" ")).not.toContain("etc");
    });

    it("--dry-run against three fake control planes on loopback nominates the oldest", async () => {
      const { cluster, stop } = await startLoopbackCluster(3);
      try {
        const { result, nomination } = await dryRunInImage(spec, root(hostArch()), cluster);
        expect(nomination, result.stdout + result.stderr).not.toBeNull();
        expect(result.code).toBe(0);
        expect(nomination?.leader).toBe(cluster.expectedLeader);
        expect(nomination?.quorumSeen).toBe(true);
      } finally {
        await stop();
      }
    });
  });
});
