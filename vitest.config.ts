import { defineConfig } from "vitest/config";

// Tests run against real TLS, real XFS images and (as root) real namespaces;
// no test asserts a timing. Integration suites build the bundle first.
// The skip reporter prints one line per skipped test (and writes the verdict
// hack/test.sh checks under CI); "default" keeps vitest's usual output and
// ends with its summary ("Tests N passed …").
export default defineConfig({
  test: {
    include: ["test/**/*.spec.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    reporters: ["./test/helpers/skip-reporter.ts", "default"],
  },
});
