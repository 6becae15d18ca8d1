// Per-module concurrency caps with a short queue (docs/operations-runtime.md, "Concurrency caps"):
// a burst of queries to one module runs at most `max` at once; the rest wait in a bounded queue
// for a bounded time, then get an error reply well before MISP's own timeout. Generic: limits come
// from the configuration by module name, never from a list of modules here.

export interface GateLimits {
  /** Queries of the module running at once. */
  max: number;
  /** Queries waiting at most; beyond, a query is refused at once. */
  queue: number;
  /** Longest wait in the queue (ms); unset: half the query's deadline. */
  queueTimeoutMs?: number;
}

/** Why a query did not get a place. */
export type GateRefusal = "queue_full" | "queue_timeout" | "stopped";

interface Waiter {
  grant(): void;
}

/** Counters kept since start, read by /metrics. */
export interface GateCounters {
  running: number;
  queued: number;
  /** Queries that had to wait, refused ones included. */
  waitedTotal: number;
  rejectedFull: number;
  rejectedTimeout: number;
}

export class ModuleGate {
  private running = 0;
  private readonly waiters: Waiter[] = [];
  readonly counters = { waitedTotal: 0, rejectedFull: 0, rejectedTimeout: 0 };

  constructor(readonly limits: GateLimits) {}

  /** Takes a place now if one is free (the common case: no promise, no timer). */
  tryEnter(): boolean {
    if (this.running < this.limits.max && this.waiters.length === 0) {
      this.running++;
      return true;
    }
    return false;
  }

  /** Waits for a place at most `waitMs`; resolves true with the place taken, or a refusal. */
  wait(waitMs: number, stop?: AbortSignal): Promise<true | GateRefusal> {
    this.counters.waitedTotal++;
    if (this.waiters.length >= this.limits.queue) {
      this.counters.rejectedFull++;
      return Promise.resolve("queue_full");
    }
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const leave = (why: GateRefusal) => {
        const i = this.waiters.indexOf(waiter);
        if (i < 0) return;
        this.waiters.splice(i, 1);
        clearTimeout(timer);
        stop?.removeEventListener("abort", onStop);
        if (why === "queue_timeout") this.counters.rejectedTimeout++;
        resolve(why);
      };
      const onStop = () => leave("stopped");
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(timer);
          stop?.removeEventListener("abort", onStop);
          this.running++;
          resolve(true);
        },
      };
      this.waiters.push(waiter);
      timer = setTimeout(() => leave("queue_timeout"), Math.max(0, waitMs));
      if (stop) {
        if (stop.aborted) onStop();
        else stop.addEventListener("abort", onStop, { once: true });
      }
    });
  }

  /** Gives a place back; the oldest waiter gets it. */
  leave(): void {
    this.running--;
    const next = this.waiters.shift();
    if (next) next.grant();
  }

  snapshot(): GateCounters {
    return { running: this.running, queued: this.waiters.length, ...this.counters };
  }
}

/** One gate per module name, made on first use with that module's limits. */
export class ModuleGates {
  private readonly gates = new Map<string, ModuleGate>();

  constructor(private readonly limitsFor: (module: string) => GateLimits) {}

  get(module: string): ModuleGate {
    let g = this.gates.get(module);
    if (!g) {
      g = new ModuleGate(this.limitsFor(module));
      this.gates.set(module, g);
    }
    return g;
  }

  /** Modules that have been queried, with their counters. */
  entries(): Array<[string, GateCounters]> {
    return [...this.gates].map(([name, g]) => [name, g.snapshot()]);
  }
}

/** The text of the error reply for a refusal (the module's name is prefixed by errorReply). */
export function refusalMessage(why: GateRefusal, limits: GateLimits, waitedMs: number): string {
  if (why === "queue_full")
    return `too many queries for this module: ${limits.max} running and ${limits.queue} waiting already; try again later`;
  if (why === "queue_timeout")
    return `too many queries for this module: waited ${Math.round(waitedMs)} ms for one of its ${limits.max} places without getting one; try again later`;
  return "the query was stopped while waiting for a place (server shutting down)";
}

/** A module's limits: modules.<name>.maxConcurrent/maxQueued/queueTimeoutMs (file or env), else the defaults. */
export function gateLimitsFrom(
  defaults: GateLimits,
  setting: (module: string, key: string) => string | undefined,
): (module: string) => GateLimits {
  const num = (module: string, key: string, min: number): number | undefined => {
    const v = setting(module, key);
    if (v === undefined) return undefined;
    const n = Number(v);
    return Number.isInteger(n) && n >= min ? n : undefined;
  };
  return (module) => ({
    max: num(module, "maxConcurrent", 1) ?? defaults.max,
    queue: num(module, "maxQueued", 0) ?? defaults.queue,
    queueTimeoutMs: num(module, "queueTimeoutMs", 1) ?? defaults.queueTimeoutMs,
  });
}
