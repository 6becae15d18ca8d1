import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { ModuleRegistry } from "../core/registry/registry.js";
import type { QueryEnd } from "../core/runtime/observer.js";
import type { RetentionRule, Store } from "../services/store/store.js";
import { codeFileUrl, codePath, RUNNING_FROM_SOURCE } from "../package-info.js";
import { type CaptureMode, type Journal, LARGE_PAYLOAD, type RecordedQuery, type RecordSink } from "./journal.js";
import type { RawPost, ReceiverStats } from "./receiver.js";

// The server's side of the journal's writer thread (docs/console.md, "Writer thread"). The
// request path only builds a compact message (references to the body bytes, the reply text,
// the small metadata) and appends it to this turn's batch; one postMessage per event-loop turn
// hands the batch over, moving body bytes instead of copying them. The thread masks, hashes,
// groups debug posts into runs and writes, on its own SQLite connection.

/** One query as the thread receives it. */
export interface QueryMessage {
  t: "q";
  id: number;
  /** The module's name when it is one of ours (the thread knows its secret parameters). */
  module: string | null;
  /** The whole body when the server kept no raw text, else what `bodyFacts` keeps of it. */
  body: Record<string, unknown>;
  raw?: Uint8Array | string;
  headers?: Record<string, string | string[] | undefined>;
  reqId?: string;
  startedAt: number;
  calls: RecordedQuery["calls"];
  json: string;
  outcome: string;
  durationMs: number;
  secretValues: readonly string[];
  capture: CaptureMode;
}

export interface PostMessage {
  t: "p";
  url: string;
  body: Uint8Array;
  receivedAt: number;
  contentType?: string;
}

/** What the thread needs to know of a module: its name, kind and secret parameters. */
export interface ModuleFacts {
  name: string;
  kind: string | undefined;
  secretParams: Array<{ id: string; name: string; label: string }>;
  secretSettings: string[];
}

export type ToWriter =
  | QueryMessage
  | PostMessage
  | { t: "m"; modules: ModuleFacts[] }
  | { t: "s"; n: number }
  | { t: "v"; n: number; id: number }
  | { t: "prune"; rules: RetentionRule[]; refs: string[] }
  | { t: "close" };

export type FromWriter =
  | { t: "ready" }
  | { t: "fail"; reason: string }
  | { t: "originals"; n: number; originals: Record<string, unknown> | null }
  | { t: "stats"; posts: number; bytes: number; queries: number; malformed: number; written: number; dropped: number }
  | { t: "synced"; n: number }
  | { t: "log"; level: "info" | "warn" | "error"; obj: object; msg: string };

const WORKER_SCRIPT = RUNNING_FROM_SOURCE ? pathToFileURL(codePath("console/digest-entry.mjs")) : codeFileUrl("console/writer-worker");
const WORKER_MODULE = codeFileUrl("console/writer-worker").href;

export interface WriterOptions {
  log: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void };
  /** Debug posts waiting for the thread at most (count, bytes); beyond, posts are dropped and counted. */
  maxPendingPosts?: number;
  maxPendingBytes?: number;
  /** Queries waiting for the thread at most; beyond, they are not recorded (counted). */
  maxPendingQueries?: number;
}

/** Bytes of a Buffer the thread may take (moved, not copied), or a copy when it is a view into a larger block. */
function movable(buf: Uint8Array, transfer: ArrayBuffer[]): Uint8Array {
  if (buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength && buf.buffer instanceof ArrayBuffer && buf.byteLength > 0) {
    transfer.push(buf.buffer);
    return new Uint8Array(buf.buffer, 0, buf.byteLength);
  }
  return Uint8Array.prototype.slice.call(buf);
}

export class JournalWriter implements RecordSink {
  up = false;
  /** Why the journal is off, while the thread is down. */
  reason: string | null = null;
  readonly receiverStats: ReceiverStats = { received: 0, processed: 0, malformed: 0, dropped: 0, pending: 0 };
  /** Queries not recorded because the thread was too far behind. */
  skipped = 0;
  /** Rows written and writes lost by the thread (all its lives). */
  written = 0;
  dropped = 0;
  private writtenBefore = 0;
  private droppedBefore = 0;
  restarts = 0;
  private worker: Worker | undefined;
  private batch: ToWriter[] = [];
  private transfer: ArrayBuffer[] = [];
  private scheduled = false;
  /** Questions to the thread waiting for their answer ("s" syncs, "v" originals), by number. */
  private readonly asked = new Map<number, (answer?: Record<string, unknown>) => void>();
  private nextQuestion = 1;
  private modulesSent = -1;
  private postsInFlight = 0;
  private bytesInFlight = 0;
  private queriesInFlight = 0;
  private closing = false;
  private backoffMs = 1000;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly maxPosts: number;
  private readonly maxBytes: number;
  private readonly maxQueries: number;

  constructor(
    private readonly store: Store,
    private readonly journal: Journal,
    private readonly registry: ModuleRegistry,
    private readonly opts: WriterOptions,
  ) {
    this.maxPosts = opts.maxPendingPosts ?? 5000;
    this.maxBytes = opts.maxPendingBytes ?? 512 * 1024 * 1024;
    this.maxQueries = opts.maxPendingQueries ?? 20_000;
    if (!store.ok || !store.state.ok) return;
    journal.sink = this;
    // The thread now writes while the server's connection may write too (the outbox, guard
    // state), synchronously: let those wait a little for the thread's short transactions
    // (a few ms) instead of failing with SQLITE_BUSY.
    store.db?.pragma("busy_timeout = 200");
    store.pruneElsewhere = (rules, refs) => this.push({ t: "prune", rules: [...rules], refs: [...refs] });
    this.start();
  }

  private start(): void {
    if (!this.store.state.ok) return;
    const s = this.store;
    const w = new Worker(WORKER_SCRIPT, {
      workerData: {
        workerModule: WORKER_MODULE,
        dataDir: s.state.ok ? s.state.path.replace(/[\\/]store\.db$/, "") : "",
        payloadCap: s.payloadCap,
        retentionMs: s.retentionMs,
        maxBytes: s.maxBytes,
        capture: this.journal.capture,
      },
      name: "journal writer",
    });
    w.unref();
    this.worker = w;
    this.up = true;
    this.writtenBefore = this.written;
    this.droppedBefore = this.dropped;
    this.modulesSent = -1;
    w.on("message", (m: FromWriter) => this.onMessage(m));
    w.on("error", (e) => this.opts.log.error({ err: e.message }, "journal writer thread failed"));
    w.on("exit", (code) => this.down(w, `the journal's writer thread stopped (exit code ${code})`));
  }

  private onMessage(m: FromWriter): void {
    switch (m.t) {
      case "ready":
        this.reason = null;
        this.backoffMs = 1000;
        break;
      case "fail":
        this.reason = m.reason;
        break;
      case "originals":
        this.answer(m.n, m.originals ?? undefined);
        break;
      case "stats":
        this.postsInFlight -= m.posts;
        this.bytesInFlight -= m.bytes;
        this.queriesInFlight -= m.queries;
        this.receiverStats.pending = this.postsInFlight;
        this.receiverStats.processed += m.posts;
        this.receiverStats.malformed += m.malformed;
        this.written = this.writtenBefore + m.written;
        this.dropped = this.droppedBefore + m.dropped;
        break;
      case "synced":
        this.answer(m.n);
        break;
      case "log":
        this.opts.log[m.level](m.obj, m.msg);
        break;
    }
  }

  /** The thread died: journal off (banner, log line) until it is back; it is restarted with a growing delay. */
  private down(w: Worker, why: string): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    this.up = false;
    this.batch = [];
    this.transfer = [];
    for (const done of this.asked.values()) done();
    this.asked.clear();
    this.receiverStats.dropped += this.postsInFlight;
    this.skipped += this.queriesInFlight;
    this.postsInFlight = this.bytesInFlight = this.queriesInFlight = 0;
    this.receiverStats.pending = 0;
    if (this.closing) return;
    this.reason = `${this.reason ?? why}; journal off, restarting`;
    this.opts.log.error({ reason: this.reason }, "console journal off");
    this.restarts++;
    this.restartTimer = setTimeout(() => this.start(), this.backoffMs);
    this.restartTimer.unref();
    this.backoffMs = Math.min(this.backoffMs * 2, 60_000);
  }

  private push(m: ToWriter): void {
    if (!this.worker) return;
    this.batch.push(m);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.send());
    }
  }

  /** One postMessage per event-loop turn. */
  private send(): void {
    this.scheduled = false;
    const w = this.worker;
    if (!w || this.batch.length === 0) return;
    const batch = this.batch;
    const transfer = this.transfer;
    this.batch = [];
    this.transfer = [];
    w.postMessage(batch, transfer);
  }

  private modules(): void {
    if (this.modulesSent === this.registry.version) return;
    this.modulesSent = this.registry.version;
    const modules: ModuleFacts[] = this.registry.all().map((m) => {
      const settings = (m.def as { settings?: Record<string, { secret?: boolean }> }).settings ?? {};
      return {
        name: m.name,
        kind: m.def.kind,
        secretParams: m.params.filter((p) => p.spec.secret).map((p) => ({ id: p.id, name: p.name, label: p.label })),
        secretSettings: Object.entries(settings)
          .filter(([, s]) => s?.secret)
          .map(([k]) => k),
      };
    });
    this.push({ t: "m", modules });
  }

  /** Called at the end of each recorded /query: a message, nothing else. */
  query(obs: RecordedQuery, end: QueryEnd, capture: CaptureMode): void {
    if (!this.worker) return;
    if (this.queriesInFlight >= this.maxQueries) {
      this.skipped++;
      return;
    }
    this.modules();
    const { body, module, headers, reqId, startedAt, rawBody } = obs.start;
    let raw: Uint8Array | string | undefined;
    if (typeof rawBody === "string") raw = rawBody;
    else if (rawBody) raw = movable(rawBody, this.transfer);
    this.queriesInFlight++;
    this.push({
      t: "q",
      id: obs.id,
      module: module ? module.name : null,
      body: raw === undefined ? body : this.bodyFacts(body, raw, end),
      raw,
      headers,
      reqId,
      startedAt,
      calls: obs.calls,
      json: end.json,
      outcome: end.outcome,
      durationMs: end.durationMs,
      secretValues: end.secretValues,
      capture,
    });
  }

  /**
   * What the thread needs of a body it also gets as bytes: the module's name, and its parameters
   * when request or reply is large (journal.ts masks those here, the payload on the digest thread).
   * Every object left out is one the thread does not rebuild (docs/console.md, "Recording cost").
   */
  private bodyFacts(body: Record<string, unknown>, raw: Uint8Array | string, end: QueryEnd): Record<string, unknown> {
    const large = (typeof raw === "string" ? raw.length : raw.byteLength) > LARGE_PAYLOAD || end.json.length > LARGE_PAYLOAD;
    return large ? { module: body.module, params: body.params, config: body.config } : { module: body.module };
  }

  /** A debug post, answered already: queued for the thread up to the bound, else dropped and counted. */
  accept(post: RawPost): void {
    this.receiverStats.received++;
    if (!this.store.ok) return;
    if (!this.worker || this.postsInFlight >= this.maxPosts || this.bytesInFlight + post.body.length > this.maxBytes) {
      this.receiverStats.dropped++;
      return;
    }
    this.modules();
    this.postsInFlight++;
    this.bytesInFlight += post.body.length;
    this.receiverStats.pending = this.postsInFlight;
    this.push({
      t: "p",
      url: post.url,
      body: movable(post.body, this.transfer),
      receivedAt: post.receivedAt,
      contentType: post.contentType,
    });
  }

  /** Resolves once everything handed over so far is processed and written (readers, tests, shutdown). */
  async sync(timeoutMs = 5000): Promise<void> {
    await this.ask((n) => ({ t: "s", n }), timeoutMs);
  }

  /**
   * The values masked in query `id`'s recorded request, for a replay. They stay on the writer
   * thread, which masked them, rather than crossing to the event loop for every query (a
   * profile under load put that relay at 1 % of the event loop); a replay asks for its own.
   */
  originals(id: number, timeoutMs = 2000): Promise<Record<string, unknown> | undefined> {
    return this.ask((n) => ({ t: "v", n, id }), timeoutMs);
  }

  /** Sends a question at once; resolves with its answer, or undefined when the thread is down or silent past `timeoutMs`. */
  private ask(question: (n: number) => ToWriter, timeoutMs: number): Promise<Record<string, unknown> | undefined> {
    if (!this.worker) return Promise.resolve(undefined);
    const n = this.nextQuestion++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.answer(n), timeoutMs);
      timer.unref();
      this.asked.set(n, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.push(question(n));
      this.send();
    });
  }

  private answer(n: number, value?: Record<string, unknown>): void {
    this.asked.get(n)?.(value);
    this.asked.delete(n);
  }

  /** Flushes the thread (nothing handed over is lost on a graceful shutdown) and stops it. */
  async close(timeoutMs = 10_000): Promise<void> {
    this.closing = true;
    clearTimeout(this.restartTimer);
    const w = this.worker;
    if (!w) return;
    const exited = new Promise<void>((r) => w.once("exit", () => r()));
    this.push({ t: "close" });
    this.send();
    const timer = setTimeout(() => void w.terminate(), timeoutMs);
    await exited;
    clearTimeout(timer);
    this.journal.sink = undefined;
    this.store.pruneElsewhere = undefined;
  }
}
