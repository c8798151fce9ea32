#!/usr/bin/env bash
# The README's test command: type-check, build the bundle the integration
# tests run, then every test (unit, simulator, integration on loopback, and
# as root the network-namespace and image suites). Extra arguments go to
# vitest (a file filter: `bash hack/test.sh test/netns/sandbox.spec.ts`).
#
# Every skipped test prints one line with its reason (test/helpers/skip-reporter.ts).
# With CI set, any skip that test/allowed-skips.txt does not list fails the run:
# a CI run that skipped a suite did not test it.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/tmpdir.sh
bash hack/ensure-deps.sh
npx tsc -p tsconfig.json --noEmit
npm run build --silent

ci=0
case "${CI:-}" in "" | 0 | false) ;; *) ci=1 ;; esac
verdict=$(mktemp -t vitest-skips.XXXXXX)
trap 'rm -f "$verdict"' EXIT
status=0
ABT_SKIP_REPORT="$verdict" npx vitest run "$@" || status=$?
[ "$ci" = 1 ] || exit "$status"

# CI: the reporter must have run, and every skip must be allowed.
node -e '
const [file] = process.argv.slice(1);
let v;
try { v = JSON.parse(require("node:fs").readFileSync(file, "utf8")); }
catch { console.error("CI: no skip verdict from vitest (was the skip reporter replaced by --reporter?)"); process.exit(1); }
for (const e of v.allowListErrors) console.error(`CI: test/allowed-skips.txt: ${e}`);
if (v.notAllowed.length > 0) console.error(`CI: ${v.notAllowed.length} skipped test(s) not listed in test/allowed-skips.txt (each SKIP line above says why it skipped)`);
console.error(`CI: ${v.skipped} skipped, ${v.allowed} allowed by test/allowed-skips.txt`);
process.exit(v.notAllowed.length > 0 || v.allowListErrors.length > 0 ? 1 : 0);
' "$verdict" || exit 1
exit "$status"
