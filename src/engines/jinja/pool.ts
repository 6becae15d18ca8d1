// A small pool of worker threads that render Jinja templates off the server's event loop.
// Why threads: a template such as nested `range(10**6)` loops is synchronous CPU work; the only way
// to stop it without freezing /healthcheck and every other request is to terminate its thread.
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { codeFileUrl, codePath, RUNNING_FROM_SOURCE } from "../../package-info.js";
// errors.js and budget.js, not render.js: the engine itself only loads in the worker threads.
import { ClaimBoard } from "./claim-board.js";
import { TemplateError } from "./errors.js";
import type { RenderLimits } from "./budget.js";
import type { RenderJob, RenderReply, SerializedRenderError, TemplateWorkerData, WorkerReadyMessage } from "./worker.js";

export interface TemplatePoolOptions {
  /** Number of worker threads (default 2). */
  size?: number;
  /** Wall-clock limit per render in ms, queue wait included (default 2000). */
  timeoutMs?: number;
  /** Renders allowed to wait for a free worker before new ones are refused (default 256). */
  maxQueue?: number;
  /** Engine limits (output size, range size, loop iterations); engine defaults otherwise. */
  limits?: Partial<RenderLimits>;
  /** V8 heap cap per worker in MiB, so a hostile template cannot exhaust the server's memory (default 512). */
  maxHeapMb?: number;
  /**
   * V8 young-generation cap per worker in MiB (default 8). V8 otherwise lets a busy worker's
   * young generation grow to ~48 MiB, and renders allocate enough to make it do so: with two
   * workers that was most of the server's RSS beyond a bare Fastify process (docs/operations-runtime.md).
   */
  maxYoungMb?: number;
  /** Parsed roaming data kept per worker, keyed by its JSON text (default 16 entries, 0 disables). */
  dataCacheEntries?: number;
  /** Total JSON characters those entries may hold per worker (default 32 Mi). */
  dataCacheChars?: number;
  /**
   * Workers exit after this long without a render (ms; default 60 s; 0 keeps them): an idle
   * server gives their heaps back, the next render starts them again.
   */
  idleMs?: number;
}

export interface RenderCallOptions {
  /** Overrides the pool's wall-clock limit for this render. */
  timeoutMs?: number;
  /**
   * Time (epoch ms, like Date.now()) by which the render must be over: it shortens the wall-clock
   * limit when that would end later. Cheaper than a signal when the caller's only reason to stop
   * a render is a deadline it knows in advance: no listener is registered per render.
   */
  deadline?: number;
  /** Aborting stops the render (its worker is replaced if it is already running). */
  signal?: AbortSignal;
}

/** Failures that are not about the template itself: unusable request, overload, abort, crash, closed pool. */
export type TemplatePoolFailure = "request" | "busy" | "aborted" | "crashed" | "closed";

export class TemplatePoolError extends Error {
  readonly reason: TemplatePoolFailure;
  constructor(reason: TemplatePoolFailure, message: string) {
    super(message);
    this.name = "TemplatePoolError";
    this.reason = reason;
  }
}

const DEFAULTS = { size: 2, timeoutMs: 2000, maxQueue: 256, maxHeapMb: 512, maxYoungMb: 8, idleMs: 60_000 };

type JobPayload = { text: string } | { template: string; data: unknown };

interface PendingRender {
  /** Message id of its current posting to a worker (a new one each time it is posted). */
  id: number;
  /** Its cell on the claim board while posted to a worker, else -1. */
  cell: number;
  payload: JobPayload;
  /** The render's own time limit (ms), counted from submission or from the first worker's start. */
  timeoutMs: number;
  /** The caller's deadline (epoch ms), if any: it ends the render even when its limit runs later. */
  deadline?: number;
  /** Whether the armed timer is the caller's deadline rather than the render's limit. */
  byDeadline: boolean;
  resolve: (output: string) => void;
  reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
  /** Submitted while no worker had started: until one is ready, `timer` only runs to the caller's deadline (or keeps the process alive). */
  awaitingWorker: boolean;
  signal?: AbortSignal;
  onAbort?: () => void;
  /** The worker it is posted to (running it, or holding it next in line). */
  slot?: WorkerSlot;
  settled: boolean;
}

interface WorkerSlot {
  worker: Worker;
  ready: boolean;
  /** Renders posted to this worker, oldest first; the first one may be running. */
  jobs: PendingRender[];
  /** When jobs[0] became first in line (about when it started running). */
  headSince: number;
  retired: boolean;
}

/**
 * Renders posted to one worker at a time: the one it runs and the next in line. A worker that
 * finishes a render starts the next one at once instead of idling until this thread, busy with
 * HTTP, gets round to handing it one; that round trip left the workers idle a third of the time.
 */
const PIPELINE_DEPTH = 2;
/** A render waiting behind one that has run this long is moved to an idle worker. */
const STEAL_AFTER_MS = 20;

// Under tsx/vitest the worker is TypeScript, loaded through a JS bootstrap; from dist/ it is
// plain JavaScript.
const WORKER_SCRIPT = RUNNING_FROM_SOURCE ? pathToFileURL(codePath("engines/jinja/worker-entry.mjs")) : codeFileUrl("engines/jinja/worker");
const WORKER_MODULE = codeFileUrl("engines/jinja/worker").href;

// Engine messages describe the template, but cap them so a reply or log line never grows with the data.
const MAX_REASON_CHARS = 500;

function clip(raw: string): string {
  // MISP shows the error as one line of its workflow log.
  const text = raw.replace(/\s*\n\s*/g, " ").trim();
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS)}…` : text;
}

const KIND_LABELS: Record<TemplateError["kind"], string> = {
  syntax: "Template syntax error",
  render: "Template rendering error",
  undefined: "Template rendering error",
  security: "Template refused by the sandbox",
  limit: "Template limit exceeded",
};

/** One line a user can act on (MISP error reply, CLI stderr): what went wrong and, for template errors, where. */
export function describeRenderFailure(error: unknown): string {
  if (isTemplateError(error)) {
    const label = KIND_LABELS[error.kind] ?? "Template error";
    const where =
      error.line !== undefined && !error.message.includes(`line ${error.line}`)
        ? `line ${error.line}${error.column !== undefined ? `, column ${error.column}` : ""}: `
        : "";
    return clip(`${label}: ${where}${error.message}`);
  }
  if (isTemplatePoolError(error)) {
    return clip(error.reason === "request" ? `Invalid request: ${error.message}` : `Template rendering failed: ${error.message}`);
  }
  return clip(`Template rendering failed: ${error instanceof Error ? error.message : String(error)}`);
}

// Checked by shape, not instanceof: another copy of these classes may have created the error.
/** Whether `error` is an engine TemplateError (kind, line, column, pythonClass). */
export function isTemplateError(error: unknown): error is TemplateError {
  return error instanceof Error && error.name === "TemplateError" && typeof (error as TemplateError).kind === "string";
}

/** Whether `error` is a TemplatePoolError (request, busy, aborted, crashed, closed). */
export function isTemplatePoolError(error: unknown): error is TemplatePoolError {
  return error instanceof Error && error.name === "TemplatePoolError" && typeof (error as TemplatePoolError).reason === "string";
}

function toError(serialized: SerializedRenderError): Error {
  const { kind, message } = serialized;
  if (kind === "request") return new TemplatePoolError("request", message);
  if (kind === "internal") return new TemplateError("render", "RuntimeError", message);
  return new TemplateError(kind, serialized.pythonClass ?? "TemplateError", message, serialized.line, serialized.column);
}

export class TemplatePool {
  private readonly size: number;
  private readonly timeoutMs: number;
  private readonly maxQueue: number;
  private readonly workerData: TemplateWorkerData;
  private readonly maxHeapMb: number;
  private readonly maxYoungMb: number;
  private readonly slots: WorkerSlot[] = [];
  private readonly board: ClaimBoard;
  /** Renders not yet posted to any worker, oldest first. */
  private queue: PendingRender[] = [];
  private nextId = 1;
  private closed = false;
  private bootFailure?: string;
  private readyWaiters: Array<() => void> = [];
  private rebalanceTimer?: NodeJS.Timeout;
  /** Renders ended by their time limit or deadline since the pool started (metrics). */
  timeouts = 0;
  private readonly idleMs: number;
  private idleTimer?: NodeJS.Timeout;

  constructor(options: TemplatePoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.size ?? DEFAULTS.size));
    this.timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    this.maxQueue = Math.max(0, options.maxQueue ?? DEFAULTS.maxQueue);
    this.maxHeapMb = options.maxHeapMb ?? DEFAULTS.maxHeapMb;
    this.maxYoungMb = options.maxYoungMb ?? DEFAULTS.maxYoungMb;
    this.idleMs = Math.max(0, options.idleMs ?? DEFAULTS.idleMs);
    this.board = new ClaimBoard(this.size * PIPELINE_DEPTH);
    this.workerData = {
      limits: options.limits,
      dataCacheEntries: options.dataCacheEntries,
      dataCacheChars: options.dataCacheChars,
      claims: this.board.cells,
    };
    this.fillSlots();
  }

  /** Renders MISP's request `text` (a JSON string {"template", "data"}); parsed inside the worker. */
  render(text: string, options: RenderCallOptions = {}): Promise<string> {
    return this.submit({ text }, options);
  }

  /** Renders one of our own templates against a data value (structured-cloned to the worker). */
  renderTemplate(template: string, data: unknown, options: RenderCallOptions = {}): Promise<string> {
    return this.submit({ template, data }, options);
  }

  /** Resolves once every worker has loaded the engine (useful before timing-sensitive work). */
  async ready(): Promise<void> {
    for (;;) {
      if (this.closed) return;
      if (this.bootFailure) throw new TemplatePoolError("crashed", this.bootFailure);
      if (this.slots.every((slot) => slot.ready)) return;
      await new Promise<void>((resolve) => this.readyWaiters.push(resolve));
    }
  }

  /** Renders running and waiting (here or next in line at a worker), for diagnostics and tests. */
  stats(): { workers: number; busy: number; queued: number } {
    return {
      workers: this.slots.length,
      busy: this.slots.filter((slot) => slot.jobs.length > 0).length,
      queued: this.waiting(),
    };
  }

  /** The V8 limits in effect in each started worker, as the worker's isolate reports them back. */
  workerResourceLimits(): Array<Worker["resourceLimits"]> {
    return this.slots.filter((slot) => slot.ready).map((slot) => slot.worker.resourceLimits);
  }

  /** Stops all workers; pending renders are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.rebalanceTimer);
    clearTimeout(this.idleTimer);
    const closedError = () => new TemplatePoolError("closed", "template renderer is shut down");
    for (const pending of this.queue) this.settle(pending, closedError());
    this.queue = [];
    const workers = this.slots.splice(0).map((slot) => {
      slot.retired = true;
      for (const pending of [...slot.jobs]) this.settle(pending, closedError());
      return slot.worker.terminate();
    });
    this.wakeReadyWaiters();
    await Promise.allSettled(workers);
  }

  private waiting(): number {
    let count = this.queue.length;
    for (const slot of this.slots) count += Math.max(0, slot.jobs.length - 1);
    return count;
  }

  private submit(payload: JobPayload, options: RenderCallOptions): Promise<string> {
    if (this.closed) return Promise.reject(new TemplatePoolError("closed", "template renderer is shut down"));
    if (options.signal?.aborted) return Promise.reject(new TemplatePoolError("aborted", "template rendering aborted"));
    if (this.waiting() >= this.maxQueue && !this.slots.some((slot) => slot.ready && slot.jobs.length === 0)) {
      return Promise.reject(new TemplatePoolError("busy", `template renderer busy: ${this.waiting()} renders already waiting`));
    }
    if (this.bootFailure) {
      // A previous start failed (e.g. missing worker file); try again for this request.
      this.bootFailure = undefined;
      this.fillSlots();
    }
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    // Workers that exited while idle start again (this render waits for them, outside its time limit).
    if (this.slots.length === 0) this.fillSlots();
    return new Promise<string>((resolve, reject) => {
      const anyReady = this.slots.some((slot) => slot.ready);
      const pending: PendingRender = {
        id: 0,
        cell: -1,
        payload,
        timeoutMs: options.timeoutMs ?? this.timeoutMs,
        deadline: options.deadline,
        byDeadline: false,
        resolve,
        reject,
        settled: false,
        // The time limit starts now: time spent waiting for a free worker counts against it.
        // While no worker has started yet (first render, workers start lazily), it starts when
        // one is ready: thread start-up is not the template's fault. The caller's deadline or
        // signal bounds that wait.
        awaitingWorker: !anyReady,
        signal: options.signal,
      };
      pending.timer = this.armTimer(pending);
      if (options.signal) {
        pending.onAbort = () => this.onAbort(pending);
        options.signal.addEventListener("abort", pending.onAbort, { once: true });
      }
      this.queue.push(pending);
      this.dispatch();
    });
  }

  /**
   * The timer that ends a render: its time limit from now, or the caller's deadline if sooner.
   * While the first worker starts, only the deadline (the timer keeps the process alive anyway).
   */
  private armTimer(pending: PendingRender): NodeJS.Timeout {
    const untilDeadline = pending.deadline === undefined ? Number.POSITIVE_INFINITY : Math.max(0, pending.deadline - Date.now());
    const limit = pending.awaitingWorker ? Number.POSITIVE_INFINITY : pending.timeoutMs;
    pending.byDeadline = untilDeadline < limit;
    if (pending.byDeadline) return setTimeout(() => this.onDeadline(pending), untilDeadline);
    return pending.awaitingWorker ? setTimeout(() => undefined, 2 ** 31 - 1) : setTimeout(() => this.onDeadline(pending), limit);
  }

  /** Posts queued renders to the least loaded workers, up to PIPELINE_DEPTH each. */
  private dispatch(): void {
    while (this.queue.length > 0) {
      let target: WorkerSlot | undefined;
      for (const slot of this.slots) {
        if (!slot.ready || slot.retired || slot.jobs.length >= PIPELINE_DEPTH) continue;
        if (!target || slot.jobs.length < target.jobs.length) target = slot;
      }
      if (!target) break;
      this.post(target, this.queue.shift()!);
    }
    this.rebalance();
  }

  private post(slot: WorkerSlot, pending: PendingRender): void {
    // Ids stay positive 31-bit integers: the claim board stores them and their negation.
    const id = this.nextId;
    this.nextId = id >= 0x3fffffff ? 1 : id + 1;
    const cell = this.board.take(id);
    if (cell < 0) {
      // Cannot happen (the board has a cell for every pipeline place); keep the render queued.
      this.queue.unshift(pending);
      return;
    }
    try {
      slot.worker.postMessage({ id, cell, ...pending.payload } satisfies RenderJob);
    } catch (error) {
      // Data that cannot be cloned (functions, symbols) never reaches the worker.
      this.board.release(cell);
      this.settle(pending, new TemplatePoolError("request", `template data cannot be sent to the renderer: ${String(error)}`));
      return;
    }
    pending.id = id;
    pending.cell = cell;
    pending.slot = slot;
    if (slot.jobs.push(pending) === 1) slot.headSince = performance.now();
  }

  /** Takes a render off its worker's list (it finished, or will never run there). */
  private detach(pending: PendingRender): void {
    const slot = pending.slot;
    if (!slot) return;
    const index = slot.jobs.indexOf(pending);
    if (index >= 0) slot.jobs.splice(index, 1);
    if (index === 0) slot.headSince = performance.now();
    this.board.release(pending.cell);
    pending.slot = undefined;
    pending.cell = -1;
  }

  /**
   * Takes a render back before it runs: out of the queue, or out of a worker's inbox if the worker
   * has not claimed it yet. False when it is running (or has just finished).
   */
  private withdraw(pending: PendingRender): boolean {
    if (!pending.slot) {
      this.queue = this.queue.filter((queued) => queued !== pending);
      return true;
    }
    if (!this.board.withdraw(pending.cell, pending.id)) return false;
    this.detach(pending);
    return true;
  }

  /**
   * A render next in line behind one that runs unusually long (a runaway until the pool kills
   * it) moves to an idle worker, as it would have gone to one had it still been queued here.
   */
  private rebalance(): void {
    if (this.queue.length > 0 || this.closed) return;
    const idle = this.slots.filter((slot) => slot.ready && !slot.retired && slot.jobs.length === 0);
    if (idle.length === 0) return;
    const now = performance.now();
    let nextCheck = Number.POSITIVE_INFINITY;
    for (const slot of this.slots) {
      if (slot.jobs.length < 2 || slot.retired) continue;
      const due = slot.headSince + STEAL_AFTER_MS;
      if (due > now) {
        nextCheck = Math.min(nextCheck, due);
        continue;
      }
      for (const waiting of slot.jobs.slice(1)) {
        const target = idle.shift();
        if (!target) break;
        // Not withdrawn: the worker has just started it after all.
        if (this.withdraw(waiting)) this.post(target, waiting);
        else idle.unshift(target);
      }
    }
    if (nextCheck !== Number.POSITIVE_INFINITY && !this.rebalanceTimer) {
      this.rebalanceTimer = setTimeout(
        () => {
          this.rebalanceTimer = undefined;
          this.rebalance();
        },
        Math.ceil(nextCheck - now),
      );
      this.rebalanceTimer.unref();
    }
  }

  private onDeadline(pending: PendingRender): void {
    if (pending.settled) return;
    this.timeouts++;
    const slot = pending.slot;
    const waited = this.withdraw(pending);
    // Running: sync JS cannot be interrupted, so its thread is killed (and replaced).
    if (!waited && slot) this.replace(slot, true, pending);
    const what = pending.byDeadline
      ? "template rendering did not finish before the request's deadline"
      : `template rendering exceeded the time limit of ${pending.timeoutMs} ms`;
    const where = waited ? " (still waiting for a free renderer)" : "";
    this.settle(pending, new TemplateError("limit", "TimeoutError", `${what}${where}`));
    this.dispatch();
  }

  private onAbort(pending: PendingRender): void {
    if (pending.settled) return;
    const slot = pending.slot;
    if (!this.withdraw(pending) && slot) this.replace(slot, true, pending);
    this.settle(pending, new TemplatePoolError("aborted", "template rendering aborted"));
    this.dispatch();
  }

  private settle(pending: PendingRender, outcome: Error | string): void {
    if (pending.settled) return;
    pending.settled = true;
    clearTimeout(pending.timer);
    if (pending.onAbort) pending.signal?.removeEventListener("abort", pending.onAbort);
    this.detach(pending);
    if (typeof outcome === "string") pending.resolve(outcome);
    else pending.reject(outcome);
    this.armIdle();
  }

  private idle(): boolean {
    return this.queue.length === 0 && this.slots.every((slot) => slot.jobs.length === 0);
  }

  /** After the last render, the workers get `idleMs` before they exit. */
  private armIdle(): void {
    if (this.idleMs === 0 || this.closed || this.idleTimer || this.slots.length === 0 || !this.idle()) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.closed || !this.idle()) return;
      for (const slot of this.slots.splice(0)) {
        slot.retired = true;
        void slot.worker.terminate();
      }
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private fillSlots(): void {
    while (!this.closed && this.slots.length < this.size) this.slots.push(this.spawn());
  }

  /** The V8 limits each worker is started with. */
  resourceLimits(): { maxOldGenerationSizeMb: number; maxYoungGenerationSizeMb: number } {
    return { maxOldGenerationSizeMb: this.maxHeapMb, maxYoungGenerationSizeMb: this.maxYoungMb };
  }

  private spawn(): WorkerSlot {
    const worker = new Worker(WORKER_SCRIPT, {
      workerData: { ...this.workerData, workerModule: WORKER_MODULE },
      resourceLimits: this.resourceLimits(),
    });
    // Idle workers must not keep a process alive; pending renders hold a timer, which does.
    worker.unref();
    const slot: WorkerSlot = { worker, ready: false, jobs: [], headSince: 0, retired: false };
    worker.on("message", (message: RenderReply | WorkerReadyMessage) => this.onMessage(slot, message));
    worker.on("error", (error: Error & { code?: string }) => this.onWorkerFailure(slot, error));
    worker.on("exit", (code) => {
      if (!slot.retired) this.onWorkerFailure(slot, new Error(`template worker exited with code ${code}`));
    });
    return slot;
  }

  private onMessage(slot: WorkerSlot, message: RenderReply | WorkerReadyMessage): void {
    if (slot.retired) return;
    if ("ready" in message) {
      slot.ready = true;
      for (const waiting of this.queue) {
        if (!waiting.awaitingWorker) continue;
        waiting.awaitingWorker = false;
        clearTimeout(waiting.timer);
        waiting.timer = this.armTimer(waiting);
      }
      this.wakeReadyWaiters();
      this.dispatch();
      return;
    }
    // Replies come in posting order (withdrawn renders are skipped), so this is normally jobs[0].
    const pending = slot.jobs.find((job) => job.id === message.id);
    if (!pending) return;
    this.settle(pending, message.ok ? message.output : toError(message.error));
    this.dispatch();
  }

  private onWorkerFailure(slot: WorkerSlot, error: Error & { code?: string }): void {
    if (slot.retired) return;
    const wasReady = slot.ready;
    const running = slot.jobs.find((job) => this.board.claimed(job.cell, job.id));
    this.replace(slot, wasReady, running);
    if (running) {
      const outOfMemory = error.code === "ERR_WORKER_OUT_OF_MEMORY";
      this.settle(
        running,
        outOfMemory
          ? new TemplateError("limit", "MemoryError", "template rendering exceeded the memory limit")
          : new TemplatePoolError("crashed", `template worker failed: ${error.message}`),
      );
    }
    if (!wasReady) {
      // The worker could not even start: fail what is waiting instead of respawning in a loop.
      this.bootFailure = `template worker failed to start: ${error.message}`;
      for (const queued of this.queue) this.settle(queued, new TemplatePoolError("crashed", this.bootFailure));
      this.queue = [];
      this.wakeReadyWaiters();
    }
    this.dispatch();
  }

  /**
   * Retires a slot's thread and (unless the pool is closing or failing to boot) starts a fresh one.
   * Renders it held other than `keep` (the one being failed by the caller) go back to the front of
   * the queue: they never started there, or started just now and are run again elsewhere.
   */
  private replace(slot: WorkerSlot, respawn = true, keep?: PendingRender): void {
    slot.retired = true;
    void slot.worker.terminate();
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    const orphans = slot.jobs.filter((job) => job !== keep);
    for (const job of orphans) {
      this.board.withdraw(job.cell, job.id);
      this.detach(job);
    }
    this.queue.unshift(...orphans);
    if (respawn) this.fillSlots();
  }

  private wakeReadyWaiters(): void {
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const wake of waiters) wake();
  }
}

// The process-wide pool used by the jinja_template_rendering module, the CLI and our own modules.
// Kept on globalThis: module files are imported through tsx (and re-imported on reload), which can
// instantiate this file more than once; all copies must share one set of threads.
interface SharedPoolState {
  pool?: TemplatePool;
  options: TemplatePoolOptions;
  /** Timeouts of pools closed since (a reconfigured pool starts again at 0). */
  pastTimeouts?: number;
}
const SHARED_KEY = Symbol.for("misp-modules-ts.template-pool");
const shared: SharedPoolState =
  ((globalThis as Record<symbol, unknown>)[SHARED_KEY] as SharedPoolState | undefined) ??
  ((globalThis as Record<symbol, unknown>)[SHARED_KEY] = { options: {} } as SharedPoolState);

/** Replaces the options of the shared pool ({} = defaults); a running pool is closed and recreated on next use. */
export async function configureTemplatePool(options: TemplatePoolOptions): Promise<void> {
  shared.options = { ...options };
  await closeTemplatePool();
}

/** The shared pool, started on first use. */
export function getTemplatePool(): TemplatePool {
  shared.pool ??= new TemplatePool(shared.options);
  return shared.pool;
}

/** Renders MISP's `text` (JSON string {"template": ..., "data": ...}) in the shared pool. */
export function renderInPool(text: string, opts?: RenderCallOptions): Promise<string> {
  return getTemplatePool().render(text, opts);
}

/** Renders one of our own templates against `data` in the shared pool. */
export function renderTemplateInPool(template: string, data: unknown, opts?: RenderCallOptions): Promise<string> {
  return getTemplatePool().renderTemplate(template, data, opts);
}

/** Stops the shared pool's workers (server shutdown, tests). A later render starts a new pool. */
export async function closeTemplatePool(): Promise<void> {
  const pool = shared.pool;
  shared.pool = undefined;
  shared.pastTimeouts = (shared.pastTimeouts ?? 0) + (pool?.timeouts ?? 0);
  await pool?.close();
}

/** The shared pool's load, without starting it (metrics): zeros while no render has run. */
export function templatePoolStats(): { workers: number; busy: number; queued: number; timeouts: number } {
  const pool = shared.pool;
  const now = pool ? pool.stats() : { workers: 0, busy: 0, queued: 0 };
  return { ...now, timeouts: (shared.pastTimeouts ?? 0) + (pool?.timeouts ?? 0) };
}
