import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// Files that assert wall-clock behaviour (responsiveness during runaway renders, hot reload
// within a second, real CLI start-up). They run in their own pass, one file at a time, so the
// CPU is not shared with the rest of the suite (`npm test` runs both passes).
const TIMING = [
  "test/modules/expansion/jinja_template_rendering-deadline.test.ts",
  "test/engines/jinja/pool.test.ts",
  "test/engines/jinja/pool-boot.test.ts",
  "test/sdk/e2e.test.ts",
  "test/sdk/watcher.test.ts",
  "test/commands/cli-e2e.test.ts",
  // `/modules` in milliseconds while a module initialises; a runaway render stopped in seconds.
  "test/core/modules-listing.test.ts",
  "test/commands/render.test.ts",
  // Starts the real CLI with two worker processes; long under load.
  "test/commands/workers.test.ts",
  "test/reliability/regex.test.ts",
  "test/reliability/echoes.test.ts",
  // The reliability suite of issue 19 (test/reliability/harness.ts has its conventions).
  "test/reliability/inbound-bodies.test.ts",
  "test/reliability/connection-cap.test.ts",
  "test/reliability/header-timeouts.test.ts",
  "test/reliability/large-bodies.test.ts",
  "test/reliability/shutdown.test.ts",
  "test/reliability/custom-modules.test.ts",
  "test/reliability/custom-modules-import.test.ts",
  "test/reliability/process-guards.test.ts",
  // The outbox's tests that kill and restart server processes (docs/delivery.md).
  "test/core/outbox/crash-recovery.test.ts",
  "test/core/outbox/redis-shared.test.ts",
];

// Most files of the main pass wait on sockets, timers and child processes rather than the CPU;
// vitest's default of one fork per core minus one (a single fork on a 2-core CI machine) left the
// CPU idle for most of the run. One fork per core halves the run; one more starved vitest's own
// messages ("Timeout calling onTaskUpdate") on a 2-core machine.
const MAIN_FORKS = availableParallelism();

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Gives the worker's event loop a turn at least once a second (test/helpers/yield-to-runner.ts).
    setupFiles: ["test/helpers/yield-to-runner.ts"],
    // Servers the tests start as a CLI would all take MISP's debug port 127.0.0.1:27051 by
    // default; the tests that are about that listener name it (test/commands/debug-listen.test.ts).
    env: { MISP_MODULES_DEBUG_LISTEN: "off" },
    // Several suites start real servers; forks isolate them and keep worker_threads usable.
    pool: "forks",
    // The timing pass must run one file at a time, but a project cannot lower this (vitest 3.2
    // ignores fileParallelism and poolOptions of a project here): `npm test` passes
    // --poolOptions.forks.maxForks=1 to the timing run (package.json).
    poolOptions: { forks: { maxForks: MAIN_FORKS, minForks: 1 } },
    projects: [
      {
        extends: true,
        test: {
          name: "main",
          include: ["test/**/*.test.ts"],
          exclude: TIMING,
        },
      },
      { extends: true, test: { name: "timing", include: TIMING, fileParallelism: false } },
    ],
  },
});
