import { createRequire } from "node:module";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { PROCESS_METRICS, registerProcessMetrics } from "../../../src/core/metrics/process-metrics.js";

// The process metrics are prom-client's defaults picked one by one, so that the GC histogram can
// be left out (src/core/metrics/process-metrics.ts). A prom-client that adds or renames a default
// metric must fail here rather than drop it silently.

const require = createRequire(import.meta.url);
const { metricsList } = require("prom-client/lib/defaultMetrics.js") as { metricsList: string[] };

describe("process metrics", () => {
  it("are prom-client's default metrics but gc", () => {
    expect(Object.keys(PROCESS_METRICS).sort()).toEqual(metricsList.filter((m) => m !== "gc").sort());
  });

  it("leave the GC histogram out unless asked for, and keep CPU, memory and event-loop figures", async () => {
    const without = new Registry();
    registerProcessMetrics(without, "x_", false);
    const names = (await without.getMetricsAsJSON()).map((m) => m.name);
    expect(names).toEqual(
      expect.arrayContaining(["x_process_cpu_seconds_total", "x_process_resident_memory_bytes", "x_nodejs_eventloop_lag_p99_seconds"]),
    );
    expect(names).not.toContain("x_nodejs_gc_duration_seconds");

    const withGc = new Registry();
    registerProcessMetrics(withGc, "y_", true);
    expect((await withGc.getMetricsAsJSON()).map((m) => m.name)).toContain("y_nodejs_gc_duration_seconds");
  });
});
