// Shared by the XFS specs: deterministic file contents, images removed after
// the file's tests, and reads through the image reader.
import { execFile } from "node:child_process";
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, expect } from "vitest";
import { XfsError } from "../../../src/credentials/xfs/errors.js";
import { type ReadXfsFileOptions, readXfsFile } from "../../../src/credentials/xfs/read-file.js";
import { type XfsImage, type XfsImageOptions, imageReader, makeXfsImage } from "../../helpers/xfs-image.js";

const run = promisify(execFile);

export const MiB = 2 ** 20;

/** configText: distinct bytes on every line, so a misplaced block cannot go unnoticed. */
export function configText(bytes: number, seed = "config"): Buffer {
  const lines: string[] = [];
  for (let i = 0, n = 0; n < bytes; i++) {
    const line = `# ${seed} line ${i} ${((i * 2654435761) >>> 0).toString(16).padStart(8, "0")}\n`;
    lines.push(line);
    n += line.length;
  }
  return Buffer.from(lines.join("").slice(0, bytes));
}

/** useCleanup registers an afterAll that undoes everything the returned functions made. */
export function useCleanup(): {
  image: (opts: XfsImageOptions) => Promise<XfsImage>;
  scratchDir: () => Promise<string>;
  scratchFile: (sizeBytes: number) => Promise<string>;
} {
  const undo: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const u of undo.splice(0).reverse()) await u();
  });
  const scratchDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), "credentials-spec-"));
    undo.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  };
  return {
    image: async (opts) => {
      const img = await makeXfsImage(opts);
      undo.push(() => img.remove());
      return img;
    },
    scratchDir,
    scratchFile: async (sizeBytes) => {
      const path = join(await scratchDir(), "image");
      await writeFile(path, "");
      await truncate(path, sizeBytes);
      return path;
    },
  };
}

export async function readFromImage(path: string, file: string, opts?: ReadXfsFileOptions): Promise<Buffer> {
  const r = await imageReader(path);
  try {
    return await readXfsFile(r.readAt, file, opts);
  } finally {
    await r.close();
  }
}

export async function xfsErrorOf(promise: Promise<unknown>): Promise<XfsError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(XfsError);
  return err as XfsError;
}

export const longNames = (n: number): { name: string; content: string }[] =>
  Array.from({ length: n }, (_, i) => ({
    name: `node-identity-and-other-state-${String(i).padStart(4, "0")}.yaml`,
    content: `n${i}\n`,
  }));

/**
 * makeLuks2Image formats `path` as LUKS2 with cryptsetup (cheap PBKDF, a
 * throw-away passphrase); where cryptsetup is missing it writes just the
 * magic, which is all the reader and state.ts look at.
 */
export async function makeLuks2Image(path: string): Promise<string> {
  const keyFile = `${path}.key`;
  await writeFile(keyFile, "test-only-passphrase");
  const args = ["luksFormat", "--batch-mode", "--type", "luks2", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000"];
  try {
    await run("cryptsetup", [...args, "--key-file", keyFile, path], { timeout: 60_000 });
  } catch {
    await writeFile(path, Buffer.from("LUKS\xba\xbe\x00\x02", "latin1"), { flag: "r+" });
  } finally {
    await rm(keyFile, { force: true });
  }
  return path;
}
