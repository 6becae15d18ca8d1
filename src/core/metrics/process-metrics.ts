import type { Registry } from "prom-client";
import eventLoopLag from "prom-client/lib/metrics/eventLoopLag.js";
import gc from "prom-client/lib/metrics/gc.js";
import heapSizeAndUsed from "prom-client/lib/metrics/heapSizeAndUsed.js";
import heapSpacesSizeAndUsed from "prom-client/lib/metrics/heapSpacesSizeAndUsed.js";
import osMemoryHeap from "prom-client/lib/metrics/osMemoryHeap.js";
import processCpuTotal from "prom-client/lib/metrics/processCpuTotal.js";
import processHandles from "prom-client/lib/metrics/processHandles.js";
import processMaxFileDescriptors from "prom-client/lib/metrics/processMaxFileDescriptors.js";
import processOpenFileDescriptors from "prom-client/lib/metrics/processOpenFileDescriptors.js";
import processRequests from "prom-client/lib/metrics/processRequests.js";
import processResources from "prom-client/lib/metrics/processResources.js";
import processStartTime from "prom-client/lib/metrics/processStartTime.js";
import version from "prom-client/lib/metrics/version.js";

// prom-client's default process metrics (collectDefaultMetrics' own list, by name), with its GC
// histogram only when asked for (docs/operations-runtime.md, "Metrics"). That histogram observes
// every garbage collection through a PerformanceObserver, and Node builds an entry object for
// each; with the 2 MB semi-space the server ships with, the main thread collects 100–150 times a
// second under load, and those entries cost about 1 % of its CPU (a CPU profile at 3,000 req/s).

/** Every default metric of prom-client but `gc`, in collectDefaultMetrics' order. */
export const PROCESS_METRICS: Record<string, typeof gc> = {
  processCpuTotal,
  processStartTime,
  osMemoryHeap,
  processOpenFileDescriptors,
  processMaxFileDescriptors,
  eventLoopLag,
  processResources,
  processHandles,
  processRequests,
  heapSizeAndUsed,
  heapSpacesSizeAndUsed,
  version,
};

/** Registers the process metrics under `prefix`; the GC duration histogram too when `withGc`. */
export function registerProcessMetrics(registry: Registry, prefix: string, withGc: boolean): void {
  for (const register of Object.values(PROCESS_METRICS)) register(registry, { prefix });
  if (withGc) gc(registry, { prefix });
}
