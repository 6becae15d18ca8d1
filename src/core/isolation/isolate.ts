// One custom module's isolate: a worker thread holding the module, watched from the server thread.
// The worker can be stopped at any moment (terminate() ends even a synchronous loop), its heap is
// capped, and when it dies it is replaced, with a growing pause if it keeps dying. The server
// thread only posts JSON text and timers, so a module cannot freeze or kill it.
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Config } from "../config.js";
import { codeFileUrl, codePath, RUNNING_FROM_SOURCE } from "../../package-info.js";
import type { ModuleKind } from "../registry/loader.js";
import type { IsolatedRunner, IsolateStatus, LoadedModule } from "../registry/registry.js";
import { errorReply } from "../runtime/run-query.js";
import type { ModuleLogger } from "../../sdk/types.js";
import type { DefinitionData, FromIsolate, IsolateWorkerData, LogLevel, ToIsolate } from "./messages.js";
import { errorText } from "../protocol/errors.js";

/** setTimeout fires at once beyond 2**31 - 1 ms: a deadline that large is clamped (docs/security.md). */
const MAX_TIMER_MS = 2_147_483_647;

// Under tsx/vitest the worker is TypeScript, loaded through a JS bootstrap; from dist/ it is plain JavaScript.
const WORKER_SCRIPT = RUNNING_FROM_SOURCE
  ? pathToFileURL(codePath("core/isolation/worker-entry.mjs"))
  : codeFileUrl("core/isolation/worker");
const WORKER_MODULE = codeFileUrl("core/isolation/worker").href;

export interface IsolateLimits {
  /** V8 heap (old generation) per isolate, MB. */
  heapMb: number;
  /** Buffers and typed arrays per isolate, MB (checked inside the isolate, worker.ts). */
  bufferMb: number;
  /** Time a module file has to import (top-level code included), ms. */
  importTimeoutMs: number;
  /** Time the isolate's own runtime has to start before the import begins, ms. */
  bootTimeoutMs: number;
  /** How long past a query's deadline an isolate that has not answered is given before it is stopped, ms. */
  watchdogGraceMs: number;
  /** Longest pause before restarting an isolate that keeps crashing, ms. */
  maxRestartDelayMs: number;
}

export interface IsolateOptions {
  file: string;
  name: string;
  kind: ModuleKind;
  config: Config;
  env: NodeJS.ProcessEnv;
  log: ModuleLogger & { child(bindings: object): ModuleLogger };
  limits: IsolateLimits;
  /** Called once when the isolate is released (replaced or removed from the registry). */
  onReleased?: () => void;
  /** A worker that is starting or started (the host keeps one ready, so loads and restarts skip the start-up). */
  takeWorker: () => BootingWorker;
}

export interface BootingWorker {
  worker: Worker;
  /** Resolves once the worker's runtime is up (SDK loaded); rejects, with the worker ended, if it cannot start. */
  booted: Promise<void>;
  ready: boolean;
  failed: boolean;
}

/** Starts a worker thread for a module isolate; which module it will serve is told later. */
export function bootWorker(opts: { config: Config; env: NodeJS.ProcessEnv; log: ModuleLogger; limits: IsolateLimits }): BootingWorker {
  const data: IsolateWorkerData = {
    workerModule: WORKER_MODULE,
    config: opts.config,
    env: { ...opts.env },
    levels: (["debug", "info", "warn", "error"] as LogLevel[]).filter((l) => opts.log.isLevelEnabled(l)),
    serverPid: process.pid,
  };
  const worker = new Worker(WORKER_SCRIPT, {
    workerData: data,
    resourceLimits: { maxOldGenerationSizeMb: opts.limits.heapMb },
    name: "module isolate",
  });
  // Never what keeps the process alive: the server's socket, or a pending load's timer, does that.
  worker.unref();
  const result: BootingWorker = { worker, booted: Promise.resolve(), ready: false, failed: false };
  result.booted = new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
      if (!error) {
        result.ready = true;
        return resolve();
      }
      result.failed = true;
      void worker.terminate().catch(() => undefined);
      reject(error);
    };
    const onMessage = (m: FromIsolate) => {
      if (m.t === "booted") done();
      else if (m.t === "load-failed") done(new Error(m.error));
    };
    const onError = (e: Error) => done(new Error(`the module's isolate could not start: ${errorMessage(e)}`));
    const onExit = (code: number) => done(new Error(`the module's isolate exited (code ${code}) while starting`));
    const timer = setTimeout(
      () => done(new Error(`the module's isolate did not start within ${opts.limits.bootTimeoutMs} ms`)),
      opts.limits.bootTimeoutMs,
    );
    timer.unref();
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
  });
  result.booted.catch(() => undefined);
  return result;
}

type QueryOutcome = Awaited<ReturnType<IsolatedRunner["run"]>>;

interface PendingQuery {
  id: number;
  deadlineMs: number;
  resolve: (r: QueryOutcome) => void;
  timer: NodeJS.Timeout;
  worker: Worker;
}

/** Why a worker went away, as told to the queries it was running. */
interface Stop {
  /** For the query that ran past its deadline (watchdog), if any. */
  timedOut?: number;
  /** One-line cause, for the log, /healthcheck and the other queries' replies. */
  reason: string;
}

/** A crash this long after a start no longer counts towards the back-off. */
const STABLE_AFTER_MS = 30_000;
const FIRST_RETRY_DELAY_MS = 250;
const MAX_STRAY_LOGS_PER_MINUTE = 20;

function errorMessage(e: unknown): string {
  return (e as Error)?.message ?? String(e);
}

export class ModuleIsolate implements IsolatedRunner {
  readonly name: string;
  private readonly opts: IsolateOptions;
  private readonly log: ModuleLogger & { child(bindings: object): ModuleLogger };
  private worker: Worker | undefined;
  /** Settles when the current worker is loaded (or failed to load); undefined when none is starting. */
  private starting: Promise<void> | undefined;
  private startedAt = 0;
  private readonly pending = new Map<number, PendingQuery>();
  private nextId = 1;
  private state: IsolateStatus["state"] = "starting";
  private restarts = 0;
  private consecutiveCrashes = 0;
  private lastError?: string;
  private lastErrorAt?: Date;
  private released = false;
  private closed = false;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Set before this side terminates a worker, so its exit is not taken for a crash of its own. */
  private readonly stops = new WeakMap<Worker, Stop>();
  private strayWindow = { start: 0, count: 0 };
  /** The registry entry built from the declaration (init state, error replies). */
  module: LoadedModule | undefined;

  constructor(opts: IsolateOptions) {
    this.opts = opts;
    this.name = opts.name;
    this.log = opts.log;
  }

  /** Starts the isolate and imports the module; resolves with its declaration or throws why it cannot be served. */
  async start(): Promise<DefinitionData> {
    let def: DefinitionData | undefined;
    await this.spawn((d) => (def = d));
    return def!;
  }

  status(): IsolateStatus {
    return { state: this.state, restarts: this.restarts, lastError: this.lastError, lastErrorAt: this.lastErrorAt?.toISOString() };
  }

  run(req: { body: string; deadlineMs: number; reqId?: string }): Promise<QueryOutcome> {
    if (this.closed) return Promise.resolve(this.failure("the server is shutting down", "crash"));
    const worker = this.worker;
    if (worker && !this.starting) return this.dispatch(worker, req, req.deadlineMs);
    return this.runWhenStarted(req);
  }

  /** A query that arrives while the isolate is (re)starting waits for it, within its deadline. */
  private async runWhenStarted(req: { body: string; deadlineMs: number; reqId?: string }): Promise<QueryOutcome> {
    const began = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), Math.min(req.deadlineMs, MAX_TIMER_MS))));
    const waited = await Promise.race([this.whenStarted(), late]);
    clearTimeout(timer);
    const worker = this.worker;
    if (waited === "late" || !worker || this.starting) {
      const why = this.lastError ? `; last stop: ${this.lastError}` : "";
      return this.failure(
        `the module's isolate is restarting after ${this.consecutiveCrashes} crash(es) in a row and was not ready within the deadline of ${req.deadlineMs} ms${why}`,
        "crash",
      );
    }
    const left = Math.max(1, Math.round(req.deadlineMs - (performance.now() - began)));
    return this.dispatch(worker, req, left);
  }

  /** Resolves when no (re)start is in progress any more, whatever its outcome. */
  private async whenStarted(): Promise<void> {
    for (let i = 0; i < 100 && !this.closed; i++) {
      if (this.starting) await this.starting.catch(() => undefined);
      else if (!this.worker) await new Promise((r) => setTimeout(r, 25));
      else return;
    }
  }

  private dispatch(worker: Worker, req: { body: string; reqId?: string }, deadlineMs: number): Promise<QueryOutcome> {
    return new Promise((resolve) => {
      const id = this.nextId++;
      // The isolate answers at the deadline itself; silence past it means its thread is stuck.
      const timer = setTimeout(() => this.watchdog(id), Math.min(deadlineMs + this.opts.limits.watchdogGraceMs, MAX_TIMER_MS));
      this.pending.set(id, { id, deadlineMs, resolve, timer, worker });
      const msg: ToIsolate = { t: "query", id, body: req.body, deadlineMs, reqId: req.reqId };
      worker.postMessage(msg);
    });
  }

  private watchdog(id: number): void {
    const q = this.pending.get(id);
    if (!q) return;
    const reason = `a query ran past its deadline of ${q.deadlineMs} ms and the isolate did not answer (a synchronous loop?); the isolate was stopped`;
    this.stopWorker(q.worker, { timedOut: id, reason });
  }

  /** Terminates a worker from this side; its queries are answered at once, and it is replaced unless released. */
  private stopWorker(worker: Worker, stop: Stop): void {
    if (this.stops.has(worker)) return;
    this.stops.set(worker, stop);
    // terminate() can hang behind a native call; nothing waits for it.
    void worker.terminate().catch(() => undefined);
    this.workerGone(worker, stop);
  }

  /** Answers every query of a worker that is gone and arranges the next one. */
  private workerGone(worker: Worker, stop: Stop): void {
    for (const q of [...this.pending.values()]) {
      if (q.worker !== worker) continue;
      this.pending.delete(q.id);
      clearTimeout(q.timer);
      if (q.id === stop.timedOut) {
        q.resolve(this.failure(errorText("ISOLATE_TIMEOUT", this.name, q.deadlineMs), "timeout"));
      } else {
        q.resolve(this.failure(errorText("ISOLATE_STOPPED", stop.reason), "crash"));
      }
    }
    if (this.worker !== worker) return;
    this.worker = undefined;
    if (this.released || this.closed) {
      this.state = "stopped";
      return;
    }
    this.lastError = stop.reason;
    this.lastErrorAt = new Date();
    if (performance.now() - this.startedAt > STABLE_AFTER_MS) this.consecutiveCrashes = 0;
    this.consecutiveCrashes++;
    const delay =
      this.consecutiveCrashes <= 1
        ? 0
        : Math.min(this.opts.limits.maxRestartDelayMs, FIRST_RETRY_DELAY_MS * 2 ** (this.consecutiveCrashes - 2));
    this.log.error(
      { module: this.name, reason: stop.reason, crashesInARow: this.consecutiveCrashes, restartInMs: delay },
      "module isolate stopped; restarting it",
    );
    this.scheduleRestart(delay);
  }

  private scheduleRestart(delayMs: number): void {
    this.state = delayMs > 0 ? "backoff" : "restarting";
    if (this.module?.def.init) this.module.state = "initialising";
    let release!: () => void;
    // Queries arriving meanwhile wait on this (within their deadline).
    this.starting = new Promise<void>((r) => (release = r));
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.released || this.closed) return release();
      this.state = "restarting";
      this.restarts++;
      this.starting = undefined;
      this.spawn(() => undefined).then(
        () => {
          release();
          this.log.info({ module: this.name, restarts: this.restarts }, "module isolate restarted");
        },
        (e: unknown) => {
          release();
          // A restart that cannot load counts as one more crash.
          this.lastError = errorMessage(e);
          this.lastErrorAt = new Date();
          this.consecutiveCrashes++;
          const delay = Math.min(this.opts.limits.maxRestartDelayMs, FIRST_RETRY_DELAY_MS * 2 ** Math.max(0, this.consecutiveCrashes - 2));
          this.log.error({ module: this.name, err: this.lastError, restartInMs: delay }, "module isolate failed to restart");
          if (!this.released && !this.closed) this.scheduleRestart(delay);
        },
      );
    }, delayMs);
    this.restartTimer.unref();
  }

  /** Takes a started worker and loads the module in it, within the boot and import limits. */
  private spawn(onLoaded: (def: DefinitionData) => void): Promise<void> {
    const { limits } = this.opts;
    const booting = this.opts.takeWorker();
    const worker = booting.worker;
    this.startedAt = performance.now();
    const started = booting.booted.then(
      () =>
        new Promise<void>((resolve, reject) => {
          let loaded = false;
          const fail = (why: string) => {
            if (loaded) return;
            loaded = true;
            clearTimeout(timer);
            this.stops.set(worker, { reason: why });
            void worker.terminate().catch(() => undefined);
            reject(new Error(why));
          };
          const timer = setTimeout(
            () =>
              fail(
                `importing the module did not finish within ${limits.importTimeoutMs} ms (a loop or a never-settling await at its top level?)`,
              ),
            limits.importTimeoutMs,
          );
          worker.on("message", (m: FromIsolate) => {
            if (m.t === "loaded") {
              if (loaded) return;
              loaded = true;
              clearTimeout(timer);
              this.worker = worker;
              this.state = "running";
              onLoaded(m.def);
              resolve();
            } else if (m.t === "load-failed") fail(m.error);
            else this.onMessage(worker, m);
          });
          worker.on("error", (e: Error & { code?: string }) => {
            const why =
              e.code === "ERR_WORKER_OUT_OF_MEMORY"
                ? `the module ran out of memory (limit: ${limits.heapMb} MB of heap per isolate)`
                : `the module's isolate crashed: ${errorMessage(e)}`;
            if (!loaded) return fail(why);
            if (!this.stops.has(worker)) {
              this.stops.set(worker, { reason: why });
              this.workerGone(worker, { reason: why });
            }
          });
          worker.on("exit", (code) => {
            if (!loaded)
              return fail(`the module's isolate exited (code ${code}) while the module was loading (process.exit() at its top level?)`);
            if (this.stops.has(worker)) return;
            const stop = { reason: `the module ended its isolate (process.exit(${code})?)` };
            this.stops.set(worker, stop);
            this.workerGone(worker, stop);
          });
          const load: ToIsolate = { t: "load", file: this.opts.file, name: this.name, kind: this.opts.kind };
          worker.postMessage(load);
        }),
    );
    // Workers are unref'd: a load in progress keeps the process alive (the `modules` command awaits it).
    const keepAlive = setInterval(() => undefined, 60_000);
    // Queries arriving meanwhile wait on `starting`; it is cleared before they resume.
    const settled = started.then(
      () => clearInterval(keepAlive),
      () => clearInterval(keepAlive),
    );
    this.starting = settled;
    void settled.then(() => {
      if (this.starting === settled) this.starting = undefined;
    });
    return started;
  }

  private onMessage(worker: Worker, m: FromIsolate): void {
    switch (m.t) {
      case "reply": {
        const q = this.pending.get(m.id);
        if (!q || q.worker !== worker) return;
        this.pending.delete(m.id);
        clearTimeout(q.timer);
        q.resolve({ json: m.json, outcome: m.outcome === "unknown_module" ? "crash" : m.outcome, error: m.error });
        if (this.released && this.pending.size === 0) this.stopNow();
        return;
      }
      case "log": {
        const logger = Object.keys(m.bindings).length ? this.log.child(m.bindings) : this.log;
        if (m.msg === undefined) logger[m.level](m.obj);
        else logger[m.level](m.obj, m.msg);
        return;
      }
      case "init":
        if (this.module && worker === this.worker) {
          this.module.state = m.ok ? "ready" : "failed";
          this.module.error = m.ok ? undefined : m.error;
        }
        return;
      case "over-memory": {
        // workerGone logs the reason with the restart.
        const mb = Math.round(m.bytes / 1024 / 1024);
        this.stopWorker(worker, {
          reason: `the module held ${mb} MB of Buffers outside its heap (limit: ${this.opts.limits.bufferMb} MB per isolate)`,
        });
        return;
      }
      case "stray": {
        // Bounded: a module throwing from a timer every millisecond must not flood the log.
        const now = Date.now();
        if (now - this.strayWindow.start > 60_000) this.strayWindow = { start: now, count: 0 };
        if (++this.strayWindow.count <= MAX_STRAY_LOGS_PER_MINUTE) {
          this.log.error(
            { module: this.name, err: m.error },
            m.what === "uncaughtException"
              ? "module threw outside a query (uncaught exception); ignored"
              : "module left a promise rejection unhandled; ignored",
          );
        }
        return;
      }
    }
  }

  private failure(message: string, outcome: "timeout" | "crash"): QueryOutcome {
    const reply = this.module ? errorReply(this.module, message) : { error: `${this.name}: ${message}` };
    return { json: JSON.stringify(reply), outcome, error: typeof reply.error === "string" ? reply.error : message };
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.opts.onReleased?.();
    clearTimeout(this.restartTimer);
    if (this.pending.size === 0) this.stopNow();
  }

  private stopNow(): void {
    this.state = "stopped";
    const w = this.worker;
    this.worker = undefined;
    if (w) {
      this.stops.set(w, { reason: "the module was replaced or removed" });
      void w.terminate().catch(() => undefined);
    }
  }

  /** Stops the isolate now (server shutdown); running queries get an error reply. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.restartTimer);
    const w = this.worker;
    if (!w) return;
    this.stops.set(w, { reason: "the server is shutting down" });
    this.workerGone(w, { reason: "the server is shutting down" });
    await w.terminate().catch(() => undefined);
  }
}
