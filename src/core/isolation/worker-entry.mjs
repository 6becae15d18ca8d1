// Bootstrap for module isolates when the server runs from TypeScript sources (tsx, vitest):
// Node 20 does not apply `--import tsx` from a Worker's execArgv to the worker's own loader, so
// the worker registers tsx itself, then loads worker.ts. The build starts worker.js directly.
import { workerData } from "node:worker_threads";

const { register } = await import("tsx/esm/api");
register();
await import(workerData.workerModule);
