// Preloaded into a benchmarked server (node --import): reports the main thread's event-loop
// delay (p50, p99, max since the last report) on SIGUSR2, as one JSON line on stderr.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { isMainThread } from "node:worker_threads";

if (isMainThread) {
  const h = monitorEventLoopDelay({ resolution: 2 });
  h.enable();
  process.on("SIGUSR2", () => {
    const ms = (ns) => Math.round(ns / 1e4) / 100;
    process.stderr.write(`${JSON.stringify({ eld: { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) } })}\n`);
    h.reset();
  });
}
