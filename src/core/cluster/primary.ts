import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import { serveClusterMetrics } from "./metrics-link.js";

// --workers N: the primary process forks N servers sharing one port (node:cluster), replaces a
// worker that dies (with a growing pause when they keep dying), and on SIGTERM/SIGINT passes the
// signal on and exits when all have shut down (docs/operations-runtime.md, "Workers").

/** Each worker's slot (1..N) in its environment: a replacement takes over its slot's data. */
export const WORKER_SLOT_ENV = "MISP_MODULES_WORKER_SLOT";

const MIN_RESTART_MS = 100;
const MAX_RESTART_MS = 30_000;
/** A worker that ran this long resets its slot's back-off. */
const STABLE_MS = 30_000;

export function parseWorkers(v: string | undefined): number {
  if (v === undefined || v === "" || v === "1") return 1;
  if (v === "auto") return Math.max(1, availableParallelism());
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new Error(`--workers must be a whole number from 1 to 256 or "auto", got "${v}"`);
  return n;
}

interface Log {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
}

/** Runs the primary; resolves when every worker has exited after a shutdown signal. */
export function runPrimary(count: number, log: Log): Promise<void> {
  serveClusterMetrics();
  let stopping = false;
  const slots = new Map<Worker, { slot: number; started: number }>();
  const delays = new Map<number, number>();
  const fork = (slot: number) => {
    const w = cluster.fork({ [WORKER_SLOT_ENV]: String(slot) });
    slots.set(w, { slot, started: Date.now() });
  };
  return new Promise((resolve) => {
    cluster.on("exit", (worker, code, signal) => {
      const info = slots.get(worker);
      slots.delete(worker);
      if (stopping) {
        if (slots.size === 0) resolve();
        return;
      }
      if (!info) return;
      const ranFor = Date.now() - info.started;
      const delay = ranFor >= STABLE_MS ? MIN_RESTART_MS : Math.min(MAX_RESTART_MS, (delays.get(info.slot) ?? MIN_RESTART_MS / 2) * 2);
      delays.set(info.slot, delay);
      log.warn({ worker: worker.id, pid: worker.process.pid, code, signal, restartInMs: delay }, "worker exited; starting a new one");
      setTimeout(() => {
        if (!stopping) fork(info.slot);
      }, delay).unref();
    });
    const stop = (sig: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal: sig, workers: slots.size }, "shutting down the workers");
      if (slots.size === 0) resolve();
      for (const w of slots.keys()) w.process.kill(sig);
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
    for (let slot = 1; slot <= count; slot++) fork(slot);
    log.info({ workers: count, pid: process.pid }, "misp-modules-ts primary started");
  });
}
