import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { PlainCounter2, PlainHistogram, inc, register } from "../../../src/core/metrics/plain-metrics.js";
import { parseExposition, valueOf } from "./prometheus-text.js";

// The /query path's plain-number metrics (src/core/metrics/plain-metrics.ts) as prom-client's
// registry prints them.

describe("plain metrics", () => {
  it("print as Prometheus counters and cumulative histograms, and reset in place", async () => {
    const registry = new Registry();
    const counter = new PlainCounter2("t_queries_total", "queries", ["module", "outcome"]);
    const histogram = new PlainHistogram("t_duration_seconds", "durations", [0.1, 1], "module");
    register(registry, counter);
    register(registry, histogram);
    const counts = counter.child("m");
    const durations = histogram.child("m");
    inc(counts, "ok");
    inc(counts, "ok");
    inc(counts, "error");
    for (const v of [0.05, 0.5, 0.7, 5]) durations.observe(v);

    const text = await registry.metrics();
    expect(text).toContain("# TYPE t_queries_total counter");
    expect(text).toContain("# TYPE t_duration_seconds histogram");
    const s = parseExposition(text);
    expect(valueOf(s, "t_queries_total", { module: "m", outcome: "ok" })).toBe(2);
    expect(valueOf(s, "t_queries_total", { module: "m", outcome: "error" })).toBe(1);
    expect(valueOf(s, "t_duration_seconds_bucket", { module: "m", le: "0.1" })).toBe(1);
    expect(valueOf(s, "t_duration_seconds_bucket", { module: "m", le: "1" })).toBe(3);
    expect(valueOf(s, "t_duration_seconds_bucket", { module: "m", le: "+Inf" })).toBe(4);
    expect(valueOf(s, "t_duration_seconds_count", { module: "m" })).toBe(4);
    expect(valueOf(s, "t_duration_seconds_sum", { module: "m" })).toBeCloseTo(6.25);

    // A reset keeps the children callers hold: what they add afterwards is still printed.
    registry.resetMetrics();
    inc(counts, "ok");
    durations.observe(0.2);
    const after = parseExposition(await registry.metrics());
    expect(valueOf(after, "t_queries_total", { module: "m", outcome: "ok" })).toBe(1);
    expect(valueOf(after, "t_duration_seconds_bucket", { module: "m", le: "0.1" })).toBe(0);
    expect(valueOf(after, "t_duration_seconds_bucket", { module: "m", le: "1" })).toBe(1);
    expect(valueOf(after, "t_duration_seconds_count", { module: "m" })).toBe(1);
  });

  it("a histogram without a label prints no label but le", async () => {
    const registry = new Registry();
    const histogram = new PlainHistogram("t_bytes", "sizes", [1024]);
    register(registry, histogram);
    histogram.child().observe(10);
    const s = parseExposition(await registry.metrics());
    const bucket = s.find((x) => x.name === "t_bytes_bucket" && x.labels.le === "1024");
    expect(bucket?.labels).toEqual({ le: "1024" });
    expect(bucket?.value).toBe(1);
  });
});
