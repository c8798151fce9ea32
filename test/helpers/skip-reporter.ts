// A vitest reporter that makes skips visible: one line per skipped or todo
// test, with its reason and, if test/allowed-skips.txt lists it, the entry
// that allows it. hack/test.sh sets ABT_SKIP_REPORT; the reporter writes the
// verdict there, and under CI the script fails on any skip not allowed.
import { readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Reporter, TestModule, Vitest } from "vitest/node";
import { allowedBy, parseAllowList, skipLine, type AllowList, type Skip } from "./skip-policy.js";

const REPO_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const ALLOW_LIST = join(REPO_ROOT, "test/allowed-skips.txt");

/** What hack/test.sh reads back. */
export interface SkipVerdict {
  readonly skipped: number;
  readonly allowed: number;
  /** One line each, as printed. */
  readonly notAllowed: readonly string[];
  readonly allowListErrors: readonly string[];
}

function readAllowList(): AllowList {
  try {
    return parseAllowList(readFileSync(ALLOW_LIST, "utf8"));
  } catch (err) {
    return { entries: [], errors: [`${ALLOW_LIST}: ${(err as Error).message}`] };
  }
}

/** Tests left out by -t are skipped too; they still count (a CI run does not filter). */
function skipsOf(modules: ReadonlyArray<TestModule>, filter: string | null): Skip[] {
  const out: Skip[] = [];
  for (const m of modules) {
    const file = relative(REPO_ROOT, m.moduleId);
    for (const t of m.children.allTests()) {
      const r = t.result();
      if (r.state !== "skipped") continue;
      const reason = t.meta().skipReason ?? r.note ?? (filter !== null ? `not selected by -t ${filter}` : null);
      out.push({ file, name: t.fullName, reason, todo: t.options.mode === "todo" });
    }
  }
  return out;
}

export default class SkipReporter implements Reporter {
  private filter: string | null = null;

  onInit(vitest: Vitest): void {
    const p = vitest.config.testNamePattern;
    this.filter = p === undefined ? null : String(p);
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const list = readAllowList();
    const notAllowed: string[] = [];
    let allowed = 0;
    for (const s of skipsOf(modules, this.filter)) {
      const entry = allowedBy(list, s);
      const line = skipLine(s, entry);
      console.log(line);
      if (entry === null) notAllowed.push(line);
      else allowed++;
    }
    for (const e of list.errors) console.log(`test/allowed-skips.txt: ${e}`);
    const out = process.env["ABT_SKIP_REPORT"];
    if (out !== undefined && out !== "") {
      const verdict: SkipVerdict = { skipped: allowed + notAllowed.length, allowed, notAllowed, allowListErrors: list.errors };
      writeFileSync(out, `${JSON.stringify(verdict, null, 2)}\n`);
    }
  }
}
