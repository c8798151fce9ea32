// The skip policy, as pure functions: a CI run may skip only what
// test/allowed-skips.txt lists, each entry with its reason. Used by
// skip-reporter.ts; tested in test/unit/skip-policy.spec.ts.

/** One skipped (or todo) test: its file relative to the repo and its full name. */
export interface Skip {
  readonly file: string;
  /** "suite > sub-suite > test", as vitest names it. */
  readonly name: string;
  /** Why, from skipWith() or ctx.skip(note); null when the test gave none. */
  readonly reason: string | null;
  readonly todo: boolean;
}

export interface AllowEntry {
  /** "<file> > <full test name>"; "*" matches any run of characters. */
  readonly pattern: string;
  readonly why: string;
  readonly line: number;
}

export interface AllowList {
  readonly entries: readonly AllowEntry[];
  /** Lines that are neither comments nor "<test>  ::  <reason>". */
  readonly errors: readonly string[];
}

export const SEPARATOR = " :: ";

/** skipId is how a skip is named in the report and matched by the allow-list. */
export const skipId = (s: Pick<Skip, "file" | "name">): string => `${s.file} > ${s.name}`;

/** parseAllowList reads "<test> :: <reason>" lines; # starts a comment line. */
export function parseAllowList(text: string): AllowList {
  const entries: AllowEntry[] = [];
  const errors: string[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    // Spaces around "::" are required: test names hold IPv6 addresses ("::1").
    const at = line.indexOf(SEPARATOR);
    const pattern = at < 0 ? line : line.slice(0, at).trim();
    const why = at < 0 ? "" : line.slice(at + SEPARATOR.length).trim();
    if (pattern === "" || why === "") errors.push(`line ${i + 1}: want "<test>${SEPARATOR}<reason>", got "${line}"`);
    else entries.push({ pattern, why, line: i + 1 });
  });
  return { entries, errors };
}

function matches(pattern: string, id: string): boolean {
  const re = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  return new RegExp(`^${re}$`).test(id);
}

/** allowedBy is the first entry that lists this skip, or null. */
export function allowedBy(list: AllowList, skip: Skip): AllowEntry | null {
  const id = skipId(skip);
  return list.entries.find((e) => matches(e.pattern, id)) ?? null;
}

/** skipLine is the one line printed per skip. */
export function skipLine(skip: Skip, allowed: AllowEntry | null): string {
  const why = skip.todo ? "todo" : (skip.reason ?? "no reason given (use skipWith() from test/helpers/skips.ts)");
  const tail = allowed === null ? "" : ` [allowed, test/allowed-skips.txt:${allowed.line}: ${allowed.why}]`;
  return `SKIP ${skipId(skip)}: ${why}${tail}`;
}
