// qemu-user for running the other arch's root in a chroot: the one binary
// qemu-<arch>-static, taken from Debian's qemu-user-static (62 MB .deb, 380 MB
// installed, so we unpack just the binary) and cached under out/cache/qemu.
// Only a test tool: nothing of it reaches the image.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { runOk } from "../helpers/cmd.js";
import { which } from "../helpers/preflight.js";
import { REPO, type Arch } from "./image.js";

const QEMU_ARCH: Record<Arch, string> = { amd64: "x86_64", arm64: "aarch64" };
const APT_DEADLINE_MS = 10 * 60_000;

/** qemuUserStatic returns a static qemu-user binary for ARCH, fetching it once. */
export async function qemuUserStatic(arch: Arch): Promise<string> {
  const name = `qemu-${QEMU_ARCH[arch]}-static`;
  const onPath = which(name);
  if (onPath !== null) return onPath;
  const cached = join(REPO, "out/cache/qemu", name);
  if (existsSync(cached)) return cached;

  await mkdir(join(REPO, "out/cache/qemu"), { recursive: true });
  const tmp = await mkdtemp(join(REPO, "out/cache/qemu/.fetch-"));
  try {
    const download = ["sh", "-c", `cd '${tmp}' && apt-get download -qq -o APT::Sandbox::User=root qemu-user-static`];
    await runOk(download, { timeoutMs: APT_DEADLINE_MS }).catch(async () => {
      await runOk(["apt-get", "update", "-qq"], { timeoutMs: APT_DEADLINE_MS });
      await runOk(download, { timeoutMs: APT_DEADLINE_MS });
    });
    const deb = (await readdir(tmp)).find((f) => f.endsWith(".deb"));
    if (deb === undefined) throw new Error("apt-get download qemu-user-static left no .deb");
    await runOk(["sh", "-c", `dpkg-deb --fsys-tarfile '${join(tmp, deb)}' | tar -x -C '${tmp}' ./usr/bin/${name}`], { timeoutMs: APT_DEADLINE_MS });
    await rename(join(tmp, "usr/bin", name), cached);
    return cached;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
