import cluster from "node:cluster";

// Which process answered (--workers): "pid" alone, or "pid/worker-id" in a cluster worker.

export function servedBy(): string {
  return cluster.isWorker && cluster.worker ? `${process.pid}/${cluster.worker.id}` : String(process.pid);
}

export function processInfo(): { pid: number; worker?: number } {
  return cluster.isWorker && cluster.worker ? { pid: process.pid, worker: cluster.worker.id } : { pid: process.pid };
}
