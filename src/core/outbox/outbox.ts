import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { randomBytes } from "node:crypto";
import { moduleSetting, type Config } from "../config.js";
import type { HttpResponse } from "../../services/http/types.js";
import { SECRET_NAME_RE, scrubSecrets, urlCredentialParts } from "../../services/secrets/scrub.js";
import { DELIVERY_PARAM, type LoadedModule, type ModuleRegistry, type ParamEntry } from "../registry/registry.js";
import { prepareActionInput } from "../runtime/action-input.js";
import { createModuleContext, newDeliveryId } from "../runtime/context.js";
import { runQuery } from "../runtime/run-query.js";
import type { OutboxHook, Services } from "../runtime/services.js";
import { isModuleError, ParamError } from "../../sdk/errors.js";
import type { ActionModuleDefinition } from "../../sdk/types.js";
import { burstOf, DestinationLimits } from "./destination-limits.js";
import { classify, nextAttemptAt, type RetryPolicy } from "./policy.js";
import { Sealer } from "./sealing.js";
import { SqliteOutbox } from "./sqlite-backend.js";
import { OutboxFull, type AttemptRecord, type OutboxBackend, type OutboxJob, type OutboxStats } from "./types.js";
import { errorText } from "../protocol/errors.js";

// The durable outbox (docs/delivery.md). A queued request is validated, stored and answered
// `{"data": true}`; a worker later runs the module's handler with the stored request, as many
// times as the retry policy allows, with the same delivery id each time.

const EXCERPT = 200;
const TRIM_EVERY_MS = 60_000;
const STATS_CACHE_MS = 1000;

export type DeliveryMode = "sync" | "queued";

/** Whether a module can be queued at all: it declares `outbound`, is not blocking, runs in this thread. */
export function isQueueable(mod: LoadedModule): boolean {
  return mod.def.kind === "action" && mod.def.outbound !== undefined && mod.def.blocking !== true && !mod.isolate;
}

/** Node parameter, else modules.<name>.delivery, else outbox.defaultMode. */
export function deliveryMode(mod: LoadedModule, body: Record<string, unknown>, config: Config, env: NodeJS.ProcessEnv): DeliveryMode {
  if (!isQueueable(mod) || config.outbox.backend === "off") return "sync";
  const params =
    body.params && typeof body.params === "object" && !Array.isArray(body.params) ? (body.params as Record<string, unknown>) : {};
  const fromNode = String(params[DELIVERY_PARAM] ?? "")
    .trim()
    .toLowerCase();
  if (fromNode === "sync" || fromNode === "queued") return fromNode;
  const fromServer = moduleSetting(config, mod.name, "delivery", env)?.trim().toLowerCase();
  if (fromServer === "sync" || fromServer === "queued") return fromServer;
  return config.outbox.defaultMode;
}

export interface OutboxOptions {
  config: Config;
  registry: ModuleRegistry;
  services: Services;
  /** Opens the backend (SQLite on the shared store, or Redis); called on first need. */
  openBackend: () => Promise<OutboxBackend>;
  /** Seals literal credentials of stored jobs. */
  sealer: () => Sealer;
}

export class Outbox implements OutboxHook {
  private backend?: OutboxBackend;
  private opening?: Promise<OutboxBackend>;
  private readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  private readonly limits: DestinationLimits;
  private readonly running = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private trimTimer?: NodeJS.Timeout;
  private ticking = false;
  private again = false;
  private stopped = false;
  /** One per delivery in flight, aborted by stop() (one listener each, gone with the delivery). */
  private readonly stops = new Set<AbortController>();
  private cachedStats?: { at: number; value: OutboxStats };
  /** Counters since start, for the console and /healthcheck. */
  readonly counters = { queued: 0, refused: 0, delivered: 0, retried: 0, dead: 0 };

  constructor(private readonly o: OutboxOptions) {
    const c = o.config.outbox;
    this.limits = new DestinationLimits((destination) => {
      const module = destination.split("/", 1)[0]!;
      const own = c.destinations[destination] ?? c.destinations[module];
      const def = o.registry.get(module)?.def;
      const declared = def?.kind === "action" ? def.outbound?.limits : undefined;
      return {
        concurrency: own?.concurrency ?? declared?.concurrency ?? c.destinationConcurrency,
        perMinute: own?.perMinute ?? declared?.perMinute,
      };
    });
  }

  get backendKind(): "sqlite" | "redis" | undefined {
    return this.backend?.kind;
  }

  /** Opens the backend and starts the worker (idempotent). */
  async open(): Promise<OutboxBackend> {
    if (this.backend) return this.backend;
    this.opening ??= this.o.openBackend().then((b) => {
      this.backend = b;
      this.startWorker();
      return b;
    });
    try {
      return await this.opening;
    } catch (e) {
      this.opening = undefined;
      throw e;
    }
  }

  queues(mod: LoadedModule, body: Record<string, unknown>): boolean {
    return !this.stopped && deliveryMode(mod, body, this.o.config, this.o.services.env) === "queued";
  }

  async intercept(
    mod: LoadedModule,
    body: Record<string, unknown>,
  ): Promise<{ ok: true } | { ok: false; error: string; secretValues: string[] } | undefined> {
    const { config, services } = this.o;
    if (!this.queues(mod, body)) return undefined;
    const def = mod.def as ActionModuleDefinition;
    // Everything that can be checked now is checked now: MISP hears about a mistake at once.
    let input;
    try {
      input = prepareActionInput(mod, body, services.secrets);
    } catch (e) {
      this.counters.refused++;
      return { ok: false, error: (e as Error).message, secretValues: [] };
    }
    const secretValues = input.secretValues;
    try {
      if (def.outbound?.validate) {
        const ctx = createModuleContext(
          mod,
          services,
          () => AbortSignal.timeout(config.deadlineMs),
          Date.now() + config.deadlineMs,
          {},
          secretValues,
        );
        await def.outbound.validate(
          {
            params: input.params,
            rawParams: input.rawParams,
            data: body.data,
            matchingData: input.matchingData,
            filteredItems: input.filteredItems,
            request: body,
          },
          ctx,
        );
      }
      await this.checkDestinations(mod, input.params);
      const backend = await this.open();
      const job = {
        id: newDeliveryId(),
        module: mod.name,
        destination: this.destinationOf(mod, input.params),
        body: JSON.stringify(this.storedBody(mod, body)),
        createdAt: Date.now(),
      };
      await backend.enqueue(job);
      this.counters.queued++;
      this.cachedStats = undefined;
      this.wake();
      return { ok: true };
    } catch (e) {
      this.counters.refused++;
      if (e instanceof OutboxFull || isModuleError(e)) return { ok: false, error: e.message, secretValues };
      return { ok: false, error: errorText("QUEUE_FAILED", (e as Error)?.message ?? String(e)), secretValues };
    }
  }

  /** The egress guard's verdict on every URL parameter, before anything is stored. */
  private async checkDestinations(mod: LoadedModule, params: Record<string, unknown>): Promise<void> {
    const http = this.o.services.http;
    for (const p of mod.params) {
      const v = params[p.name];
      if (p.spec.kind !== "url" || typeof v !== "string" || v === "") continue;
      let u: URL;
      try {
        u = new URL(v);
      } catch {
        continue;
      }
      const port = u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
      try {
        await http.resolveAllowed(u.hostname.replace(/^\[|\]$/g, ""), port);
      } catch (e) {
        throw new ParamError(p.name, `destination refused: ${(e as Error).message}`);
      }
    }
  }

  private destinationOf(mod: LoadedModule, params: Record<string, unknown>): string {
    const def = mod.def as ActionModuleDefinition;
    let key: string | undefined;
    try {
      key = def.outbound?.destination?.(params);
    } catch {
      key = undefined;
    }
    if (!key) {
      for (const p of mod.params) {
        const v = params[p.name];
        if (p.spec.kind === "url" && typeof v === "string" && v !== "") {
          try {
            key = new URL(v).host;
            break;
          } catch {
            /* validated already */
          }
        }
      }
    }
    return `${mod.name}/${key ?? ""}`;
  }

  /**
   * The request as stored: declared parameters only, each credential either a `secret:NAME`
   * reference (resolved at delivery time) or sealed; the data as MISP sent it.
   */
  private storedBody(mod: LoadedModule, body: Record<string, unknown>): Record<string, unknown> {
    const raw =
      body.params && typeof body.params === "object" && !Array.isArray(body.params) ? (body.params as Record<string, unknown>) : {};
    const params: Record<string, unknown> = {};
    const secrets = this.o.services.secrets;
    for (const p of mod.params) {
      const v = raw[p.id] ?? raw[p.name];
      if (v === undefined || v === null) continue;
      const text = typeof v === "string" ? v : String(v);
      params[p.id] = needsSealing(p, text, (s) => secrets.isReference(s)) ? this.o.sealer().seal(text) : text;
    }
    const { timeout: _t, params: _p, ...rest } = body;
    return { ...rest, params };
  }

  private openBody(job: OutboxJob): { body: Record<string, unknown>; opened: string[] } {
    const body = JSON.parse(job.body) as Record<string, unknown>;
    const params = (body.params ?? {}) as Record<string, unknown>;
    const opened: string[] = [];
    for (const [k, v] of Object.entries(params)) {
      if (typeof v === "string" && Sealer.isSealed(v)) {
        const clear = this.o.sealer().open(v);
        params[k] = clear;
        opened.push(clear, ...urlCredentialParts(clear));
      }
    }
    return { body, opened };
  }

  private policyFor(mod: LoadedModule | undefined): RetryPolicy {
    const c = this.o.config.outbox;
    const declared = mod?.def.kind === "action" ? mod.def.outbound?.retry : undefined;
    const num = (key: string) => {
      if (!mod) return undefined;
      const n = Number(moduleSetting(this.o.config, mod.name, key, this.o.services.env));
      return Number.isInteger(n) && n > 0 ? n : undefined;
    };
    return {
      scheduleMs: c.retryScheduleMs,
      maxAttempts: num("outbox_max_attempts") ?? declared?.maxAttempts ?? c.maxAttempts,
      maxAgeMs: num("outbox_max_age_ms") ?? declared?.maxAgeMs ?? c.maxAgeMs,
    };
  }

  // ---- the worker ----

  private startWorker(): void {
    if (this.stopped) return;
    this.schedule(0);
    this.trimTimer = setInterval(() => {
      this.backend?.trim().catch((e: unknown) => this.o.services.log.warn({ err: (e as Error).message }, "outbox trim failed"));
    }, TRIM_EVERY_MS);
    this.trimTimer.unref();
  }

  /** A new job or a freed slot: look for work now. */
  wake(): void {
    if (this.backend) this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const backend = this.backend;
    if (!backend || this.stopped) return;
    this.ticking = true;
    this.again = false;
    try {
      const free = this.o.config.outbox.concurrency - this.running.size;
      if (free > 0) {
        const taken = new Map<string, number>();
        const shared = backend.takeRateToken?.bind(backend);
        const local = (d: string) => {
          if (!this.limits.tryAcquire(d)) return false;
          taken.set(d, (taken.get(d) ?? 0) + 1);
          return true;
        };
        // Several servers on one Redis: concurrency stays per server, the rate is one bucket in Redis.
        const eligible = shared
          ? async (d: string) => {
              if (!this.limits.tryAcquire(d, false)) return false;
              const perMinute = this.limits.perMinute(d);
              if (perMinute !== undefined && !(await shared(d, perMinute, burstOf(perMinute)))) {
                this.limits.release(d);
                return false;
              }
              taken.set(d, (taken.get(d) ?? 0) + 1);
              return true;
            }
          : local;
        const jobs = await backend.claim(free, this.owner, this.o.config.outbox.leaseMs, eligible);
        for (const j of jobs) taken.set(j.destination, (taken.get(j.destination) ?? 1) - 1);
        for (const [d, n] of taken) for (let i = 0; i < n; i++) this.limits.release(d);
        for (const job of jobs) {
          const p: Promise<void> = this.deliver(job)
            .catch((e: unknown) =>
              this.o.services.log.error({ job: job.id, err: (e as Error)?.message }, "outbox delivery failed unexpectedly"),
            )
            .finally(() => {
              this.limits.release(job.destination);
              this.running.delete(p);
              this.schedule(0);
            });
          this.running.add(p);
        }
        if (jobs.length > 0) this.cachedStats = undefined;
      }
    } catch (e) {
      this.o.services.log.error({ err: (e as Error)?.message }, "outbox claim failed");
    } finally {
      this.ticking = false;
    }
    if (this.again) this.schedule(0);
    else this.schedule(this.o.config.outbox.pollMs);
  }

  private async deliver(job: OutboxJob): Promise<void> {
    const { registry, services, config } = this.o;
    const backend = this.backend!;
    const mod = registry.get(job.module);
    const at = Date.now();
    const t0 = performance.now();
    let opened: string[] = [];
    let lastResponse: Pick<HttpResponse, "status" | "headers" | "body"> | undefined;
    let lastError: unknown;
    let thrown: unknown;
    let result: { ok: boolean; error?: string; outcome: string };
    if (!mod) {
      // A hot reload may bring it back: tried again on the schedule.
      result = { ok: false, error: `module ${job.module} is not loaded`, outcome: "error" };
    } else {
      const stop = new AbortController();
      this.stops.add(stop);
      try {
        const opening = this.openBody(job);
        opened = opening.opened;
        const r = await runQuery(opening.body, registry, services, `outbox:${job.id}`, {
          deadlineMs: config.outbox.attemptTimeoutMs,
          stop: stop.signal,
          deliveryRun: {
            delivery: { id: job.id, attempt: job.attempts, mode: "queued" },
            onResponse: (res, err) => {
              if (res) {
                lastResponse = res;
                lastError = undefined;
              } else lastError = err;
            },
          },
          onThrown: (e) => (thrown = e),
        });
        const error = typeof r.reply.error === "string" ? r.reply.error : undefined;
        result = { ok: r.outcome === "ok" && error === undefined, error, outcome: r.outcome };
      } catch (e) {
        result = { ok: false, error: (e as Error).message, outcome: "error" };
      } finally {
        this.stops.delete(stop);
      }
    }
    const durationMs = performance.now() - t0;
    const scrubList = [...opened, ...services.secrets.knownValues()];
    const excerpt = lastResponse ? bodyExcerpt(lastResponse.body, scrubList, EXCERPT) : undefined;
    const base = {
      n: job.attempts,
      at,
      durationMs,
      ...(lastResponse ? { status: lastResponse.status } : {}),
      ...(excerpt ? { excerpt } : {}),
    };
    if (result.ok) {
      await backend.finish(job, this.owner, { ...base, result: "delivered" });
      this.cachedStats = undefined;
      this.counters.delivered++;
      services.log.info({ job: job.id, module: job.module, attempt: job.attempts, durationMs: Math.round(durationMs) }, "outbox delivered");
      return;
    }
    const def = mod?.def.kind === "action" ? mod.def : undefined;
    const verdict = !mod
      ? { retryable: true, reason: "module not loaded" }
      : classify({ ok: false, outcome: result.outcome, response: lastResponse, httpError: lastError, thrown }, def?.outbound?.retryAfterMs);
    const nextAt = nextAttemptAt(this.policyFor(mod), job.attempts, job.createdAt, verdict, Date.now());
    const gaveUp = verdict.retryable && nextAt === undefined ? "; gave up (attempts or age exhausted)" : "";
    const error = `${result.error ?? "failed"} [${verdict.reason}${gaveUp}]`;
    const attempt: AttemptRecord = { ...base, result: nextAt === undefined ? "dead" : "retry", error };
    await backend.finish(job, this.owner, attempt, nextAt);
    this.cachedStats = undefined;
    if (nextAt === undefined) {
      this.counters.dead++;
      services.log.warn({ job: job.id, module: job.module, attempts: job.attempts, error }, "outbox dead letter");
    } else {
      this.counters.retried++;
      services.log.info(
        { job: job.id, module: job.module, attempt: job.attempts, retryInMs: nextAt - Date.now(), error },
        "outbox attempt failed, will retry",
      );
    }
  }

  /** Queue metrics (cached for a second: /healthcheck may be polled often). */
  /** `idle`: nothing was ever queued with this data directory, so the store is not open. */
  async stats(): Promise<(OutboxStats & { counters: Outbox["counters"] }) | { backend: "idle"; configured: string }> {
    if (!this.backend) return { backend: "idle", configured: this.o.config.outbox.backend };
    const now = Date.now();
    if (!this.cachedStats || now - this.cachedStats.at > STATS_CACHE_MS)
      this.cachedStats = { at: now, value: await this.backend.stats(now) };
    return { ...this.cachedStats.value, counters: { ...this.counters } };
  }

  get store(): OutboxBackend | undefined {
    return this.backend;
  }

  /** Stops taking jobs; deliveries in flight get `graceMs`, then are stopped and retried later. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.trimTimer);
    if (this.running.size > 0) {
      const grace = new Promise<void>((r) => setTimeout(r, graceMs).unref());
      await Promise.race([Promise.allSettled([...this.running]), grace]);
      for (const c of this.stops) c.abort(new Error("server shutting down; the delivery will be retried"));
      await Promise.allSettled([...this.running]);
    }
    await this.backend?.close();
  }
}

/** Credentials are stored as a reference or sealed, never in clear. */
function needsSealing(p: ParamEntry, value: string, isReference: (s: string) => boolean): boolean {
  if (value === "" || isReference(value.trim())) return false;
  if (p.spec.secret || SECRET_NAME_RE.test(p.name)) return true;
  // A URL may carry userinfo or a token in its query.
  return p.spec.kind === "url" && urlCredentialParts(value).length > 0;
}

/** The SQLite backend on the server's shared store. */
export function sqliteBackend(
  config: Config,
  openStore: () => import("../../services/store/store.js").Store,
): () => Promise<OutboxBackend> {
  return async () => {
    const store = openStore();
    if (!store.db) throw new Error(store.state.ok ? "store closed" : store.state.reason.replace(/; journal off.*$/, ""));
    return new SqliteOutbox(store.db, {
      maxJobs: config.outbox.maxJobs,
      maxDead: config.outbox.maxDead,
      keepDeliveredMs: config.outbox.keepDeliveredMs,
    });
  };
}

/** True when a data directory already holds a store (jobs may be waiting from a previous run). */
export function storeExists(dataDir: string): boolean {
  return existsSync(join(dataDir, "store.db"));
}

/** One scrubbed line of at most `max` characters: what a dead letter keeps of a reply. */
function bodyExcerpt(body: string, secrets: readonly string[], max: number): string {
  const flat = scrubSecrets(body, secrets).replace(/\s+/g, " ").trim();
  if (flat.length <= max) return flat;
  let cut = max - 1;
  // Never end on a lone high surrogate.
  if (cut > 0 && /[\uD800-\uDBFF]/.test(flat[cut - 1]!)) cut--;
  return `${flat.slice(0, cut)}…`;
}
