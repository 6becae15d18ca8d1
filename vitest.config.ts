import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Several suites start real servers; forks isolate them and keep worker_threads usable.
    pool: "forks",
  },
});
