// Bootstrap for the journal's threads (digest, writer) when the server runs from TypeScript
// sources (tsx, vitest): Node 20 does not pass tsx's loader to a Worker, so the thread registers
// it itself. The compiled build (dist/) starts the .js threads directly and never loads this file.
import { workerData } from "node:worker_threads";

const { register } = await import("tsx/esm/api");
register();
await import(workerData.workerModule);
