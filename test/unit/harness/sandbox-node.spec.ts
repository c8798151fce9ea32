// How a sandbox gets node when it is not under /usr: the binary and the
// libraries the loader maps are bound at the paths the loader uses.
import { describe, expect, it } from "vitest";
import { bindsFor, parseLdd } from "../../helpers/sandbox-node.js";
import { sandboxScript, type SandboxLayout } from "../../helpers/sandbox-script.js";

const LDD = `	linux-vdso.so.1 (0x00007ffd)
	libnode.so.115 => /opt/node/lib/libnode.so.115 (0x00007f01)
	libstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f02)
	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f03)
	/lib64/ld-linux-x86-64.so.2 (0x00007f04)
`;
const VISIBLE = ["/usr", "/etc", "/work/repo", "/bin", "/lib", "/lib64"];
const REAL: Record<string, string> = {
  "/lib/x86_64-linux-gnu/libstdc++.so.6": "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.33",
  "/lib/x86_64-linux-gnu/libc.so.6": "/usr/lib/x86_64-linux-gnu/libc.so.6",
  "/lib64/ld-linux-x86-64.so.2": "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
  "/opt/node/lib/libnode.so.115": "/srv/node-22/lib/libnode.so.115",
  "/usr/local/lib/libz.so.1": "/opt/zlib/libz.so.1",
};
const real = (p: string) => REAL[p] ?? p;

describe("parseLdd()", () => {
  it("lists every library path and the loader, not the vDSO", () => {
    expect(parseLdd(LDD)).toEqual([
      "/opt/node/lib/libnode.so.115",
      "/lib/x86_64-linux-gnu/libstdc++.so.6",
      "/lib/x86_64-linux-gnu/libc.so.6",
      "/lib64/ld-linux-x86-64.so.2",
    ]);
  });
});

describe("bindsFor()", () => {
  it("binds nothing for node under /usr", () => {
    expect(bindsFor(["/usr/bin/node", ...parseLdd(LDD).slice(1)], VISIBLE, real)).toEqual([]);
  });

  it("binds a node outside /usr at its path, and a library at the path the loader opens", () => {
    expect(bindsFor(["/opt/abt-node/bin/node", ...parseLdd(LDD)], VISIBLE, real)).toEqual([
      { source: "/opt/abt-node/bin/node", target: "/opt/abt-node/bin/node" },
      { source: "/srv/node-22/lib/libnode.so.115", target: "/srv/node-22/lib/libnode.so.115" },
      { source: "/srv/node-22/lib/libnode.so.115", target: "/opt/node/lib/libnode.so.115" },
    ]);
  });

  it("follows a symlink out of a visible tree to where it points", () => {
    expect(bindsFor(["/usr/local/lib/libz.so.1"], VISIBLE, real)).toEqual([{ source: "/opt/zlib/libz.so.1", target: "/opt/zlib/libz.so.1" }]);
  });
});

describe("sandboxScript() with bound files", () => {
  const layout: SandboxLayout = {
    root: "/tmp/abt-000000-sbx0/root",
    readOnly: ["/usr", "/etc"],
    readOnlyFiles: [{ source: "/opt/abt-node/bin/node", target: "/opt/abt-node/bin/node" }],
    symlinks: [{ path: "/bin", target: "usr/bin" }],
    blockNodes: [],
    devLinks: [],
    stateMount: null,
    varLibDir: "/tmp/varlib",
    varLibTmpfs: false,
    env: {},
    argv: ["/opt/abt-node/bin/node", "/work/repo/dist/autobootstrap.js"],
    cwd: "/",
  };
  const lines = sandboxScript(layout).split("\n");
  const at = (line: string) => lines.indexOf(line);

  it("creates the mount point and binds the file read-only, before the root turns read-only", () => {
    const bind = at("mount --bind -o ro '/opt/abt-node/bin/node' '/tmp/abt-000000-sbx0/root/opt/abt-node/bin/node'");
    expect(bind).toBeGreaterThan(at("touch '/tmp/abt-000000-sbx0/root/opt/abt-node/bin/node'"));
    expect(at("touch '/tmp/abt-000000-sbx0/root/opt/abt-node/bin/node'")).toBeGreaterThan(at("mkdir -p '/tmp/abt-000000-sbx0/root/opt/abt-node/bin'"));
    expect(at("mkdir -p '/tmp/abt-000000-sbx0/root/opt/abt-node/bin'")).toBeGreaterThan(-1);
    expect(bind).toBeLessThan(at("mount -o remount,ro '/tmp/abt-000000-sbx0/root'"));
    // After /tmp's tmpfs: a node under /tmp would otherwise be hidden by it.
    expect(bind).toBeGreaterThan(at("mount -t tmpfs -o mode=1777,nosuid,nodev abt-tmp '/tmp/abt-000000-sbx0/root/tmp'"));
  });

  it("runs argv[0] by that same path", () => {
    expect(lines.find((l) => l.startsWith("exec chroot"))).toContain("'/opt/abt-node/bin/node' '/work/repo/dist/autobootstrap.js'");
  });
});
