// Bootstrap for template workers when the server runs from TypeScript sources (tsx, vitest).
// Node 20 does not apply `--import tsx` from a Worker's execArgv to the worker's own module
// loader, so the worker registers tsx's ESM hooks itself and then loads worker.ts.
// The compiled build (dist/) starts worker.js directly and never loads this file.
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { workerData } from "node:worker_threads";

// Compiling TypeScript at start-up is CPU-heavy: do it at the template threads' lower priority
// (worker.ts explains why), which also applies to the compiler process tsx starts from here.
try {
  setPriority(Number(readlinkSync("/proc/thread-self").split("/").pop()), 10);
} catch {
  // Not Linux or not permitted.
}

const { register } = await import("tsx/esm/api");
register();
await import(workerData.workerModule);
