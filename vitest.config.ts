import { defineConfig } from "vitest/config";

// Tests run against real TLS, real XFS images and (as root) real namespaces;
// no test asserts a timing. Integration suites build the bundle first.
export default defineConfig({
  test: {
    include: ["test/**/*.spec.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
