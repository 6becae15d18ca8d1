import { Counter, Gauge, Registry } from "prom-client";
import { registerProcessMetrics } from "./process-metrics.js";
import { templatePoolStats } from "../../engines/jinja/pool.js";
import type { CallRecord } from "../../services/http/client.js";
import type { ModuleRegistry } from "../registry/registry.js";
import type { GateCounters } from "../runtime/concurrency.js";
import type { QueryEnd, QueryObservation, QueryObserver, QueryStart } from "../runtime/observer.js";
import type { Services } from "../runtime/services.js";
import { type HistogramChild, PlainCounter2, PlainHistogram, inc, register } from "./plain-metrics.js";

// The Prometheus metrics of one server process (docs/operations-runtime.md, "Metrics"). Every
// label value is bounded: module names come from the registry (an unknown name is "(unknown)"),
// outcomes from the runtime, hosts are capped (later ones count as "other").

const PREFIX = "misp_modules_";
const UNKNOWN_MODULE = "(unknown)";
const OTHER_HOST = "other";

/** What one module's queries add to the metrics; one per module, kept (nothing allocated per query). */
class ModuleObservation implements QueryObservation {
  constructor(
    private readonly outcomes: Map<string, number>,
    private readonly latency: HistogramChild,
  ) {}
  // No outbound(): calls are counted by the HTTP client's watcher (isolated modules' too).
  end(result: QueryEnd): void {
    inc(this.outcomes, result.outcome);
    this.latency.observe(result.durationMs / 1000);
  }
}

export interface MetricsOptions {
  /** Distinct destination hosts labelled at most; later ones count as "other". */
  maxHosts: number;
  /** Process metrics (CPU, memory, event loop lag) from prom-client. */
  processMetrics?: boolean;
  /** prom-client's GC duration histogram too (process-metrics.ts says what it costs). */
  gcMetrics?: boolean;
}

export class ServerMetrics implements QueryObserver {
  readonly registry = new Registry();
  // The /query path's metrics are plain numbers read at scrape time (plain-metrics.ts).
  private readonly queries: PlainCounter2;
  private readonly latency: PlainHistogram;
  private readonly bodyBytes: HistogramChild;
  private readonly byModule = new Map<string, ModuleObservation>();
  private readonly outbound: Counter<"host" | "status">;
  private readonly hosts = new Set<string>();
  private readonly stopWatching?: () => void;

  constructor(
    registry: ModuleRegistry,
    services: Services,
    private readonly options: MetricsOptions,
  ) {
    const r = this.registry;
    this.queries = new PlainCounter2(`${PREFIX}queries_total`, "/query requests by module and outcome", ["module", "outcome"]);
    this.latency = new PlainHistogram(
      `${PREFIX}query_duration_seconds`,
      "/query time in the server by module",
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      "module",
    );
    const bodyBytes = new PlainHistogram(
      `${PREFIX}query_body_bytes`,
      "/query request body sizes",
      [1024, 16_384, 131_072, 1_048_576, 8_388_608, 67_108_864, 268_435_456],
    );
    this.bodyBytes = bodyBytes.child();
    for (const m of [this.queries, this.latency, bodyBytes]) register(r, m);
    this.outbound = new Counter({
      name: `${PREFIX}outbound_requests_total`,
      help: `HTTP calls made by modules, by destination host (the first ${options.maxHosts}; then "other") and status (or error kind)`,
      labelNames: ["host", "status"],
      registers: [r],
    });
    new Gauge({
      name: `${PREFIX}module_load_failures`,
      help: "Module files that failed to load (see /healthcheck)",
      registers: [r],
      collect() {
        this.set(registry.failureList().length);
      },
    });
    new Gauge({
      name: `${PREFIX}modules_loaded`,
      help: "Modules served",
      registers: [r],
      collect() {
        this.set(registry.all().length);
      },
    });
    const pool = (name: string, help: string, pick: (s: ReturnType<typeof templatePoolStats>) => number) =>
      new Gauge({
        name: `${PREFIX}render_pool_${name}`,
        help,
        registers: [r],
        collect() {
          this.set(pick(templatePoolStats()));
        },
      });
    pool("workers", "Template render worker threads running", (s) => s.workers);
    pool("busy", "Template render workers rendering", (s) => s.busy);
    pool("queued", "Template renders waiting for a worker", (s) => s.queued);
    new Counter({
      name: `${PREFIX}render_pool_timeouts_total`,
      help: "Template renders ended by their time limit or deadline",
      registers: [r],
      collect() {
        this.reset();
        this.inc(templatePoolStats().timeouts);
      },
    });
    const gates = (name: string, help: string, pick: (c: GateCounters) => number, kind: "gauge" | "counter") => {
      const Metric = kind === "gauge" ? Gauge : Counter;
      new Metric({
        name: `${PREFIX}module_${name}`,
        help,
        labelNames: ["module"],
        registers: [r],
        collect(this: Gauge<"module"> | Counter<"module">) {
          this.reset();
          for (const [module, c] of services.gates?.entries() ?? []) {
            if (!registry.get(module)) continue;
            (this as Gauge<"module">).inc({ module }, pick(c));
          }
        },
      });
    };
    gates("running", "Queries of the module running (its concurrency cap bounds this)", (c) => c.running, "gauge");
    gates("queued", "Queries waiting for one of the module's places", (c) => c.queued, "gauge");
    gates("queue_rejected_full_total", "Queries refused: the module's queue was full", (c) => c.rejectedFull, "counter");
    gates("queue_rejected_timeout_total", "Queries refused: no place within the queue timeout", (c) => c.rejectedTimeout, "counter");
    if (services.outbox) {
      const outbox = services.outbox;
      new Gauge({
        name: `${PREFIX}outbox_jobs`,
        help: "Queued deliveries by state (the /healthcheck outbox figures)",
        labelNames: ["state"],
        registers: [r],
        async collect() {
          this.reset();
          const stats = (await outbox.stats().catch(() => ({}))) as Record<string, unknown>;
          for (const [state, v] of Object.entries(stats)) if (typeof v === "number" && /^[a-z_]+$/.test(state)) this.set({ state }, v);
        },
      });
    }
    if (options.processMetrics !== false) registerProcessMetrics(r, PREFIX, options.gcMetrics === true);
    this.stopWatching = services.http.watchCalls?.((call) => this.countCall(call));
  }

  begin(start: QueryStart): QueryObservation | undefined {
    if (start.rawBody !== undefined) this.bodyBytes.observe(start.rawBody.length);
    const module = start.module?.name ?? UNKNOWN_MODULE;
    let o = this.byModule.get(module);
    if (!o) {
      o = new ModuleObservation(this.queries.child(module), this.latency.child(module));
      this.byModule.set(module, o);
    }
    return o;
  }

  private countCall(call: CallRecord): void {
    let host = call.host;
    if (!this.hosts.has(host)) {
      if (this.hosts.size >= this.options.maxHosts) host = OTHER_HOST;
      else this.hosts.add(host);
    }
    this.outbound.inc({ host, status: call.status !== undefined ? String(call.status) : (call.error ?? "error") });
  }

  close(): void {
    this.stopWatching?.();
  }
}
