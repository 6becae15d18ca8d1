// Bootstrap for template workers when the server runs from TypeScript sources (tsx, vitest).
// Node 20 does not apply `--import tsx` from a Worker's execArgv to the worker's own module
// loader, so the worker registers tsx's ESM hooks itself and then loads worker.ts.
// The compiled build (dist/) starts worker.js directly and never loads this file.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.workerModule);
