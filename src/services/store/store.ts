import { createHash } from "node:crypto";
import { mkdirSync, accessSync, constants as fsConstants, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { threadId } from "node:worker_threads";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import type BetterSqlite3 from "better-sqlite3";

// The embedded store: one SQLite file (better-sqlite3, WAL) in the data directory, shared by
// every subsystem that needs to remember something across restarts (the console's journal
// today; an outbox or once/rate guard state later). This file is the generic layer: opening
// with degradation, per-namespace migrations, a batched write queue kept off the request path,
// content-addressed payloads and retention. Consumers own their tables.

export type Database = BetterSqlite3.Database;
const require = createRequire(import.meta.url);

export interface StoreOptions {
  /** Directory holding store.db (created on first use). */
  dataDir: string;
  /** Rows older than this are removed (ms). Default 7 days. */
  retentionMs?: number;
  /** Total file size above which the oldest rows are removed. Default 1 GiB. */
  maxBytes?: number;
  /** Largest payload kept whole; larger ones keep size, SHA-256 and a truncated copy. Default 2 MiB. */
  payloadCap?: number;
  /** Pending writes above this are dropped (counted). Default 20000. */
  maxQueue?: number;
  /** How often queued writes are flushed (ms). Default 50. */
  flushMs?: number;
  log?: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void };
  /**
   * A second connection of this process to a store another Store already opened (the journal's
   * writer thread): no lock file, no integrity check, no retention timer, and it may wait for
   * the lock (busy_timeout), since it never runs on the server's event loop.
   */
  attach?: boolean;
}

export interface PayloadRef {
  hash: string;
  size: number;
  truncated: boolean;
}

/** A table whose old rows are pruned: `DELETE ... WHERE <tsColumn> < ?`, oldest first. */
export interface RetentionRule {
  table: string;
  tsColumn: string;
}

export type StoreState = { ok: true; path: string } | { ok: false; reason: string };

const DAY = 24 * 3600 * 1000;
/** Payloads up to this many characters are remembered once stored (putPayload). */
const SMALL_PAYLOAD = 4096;
const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;
/** Longest a timed flush holds the event loop. */
const SLICE_MS = 4;

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * One writer per data directory: ids are handed out in memory, so a second process (or worker
 * thread) on the same directory would collide. It gets "journal off" instead.
 */
function takeLock(dir: string): string {
  const path = join(dir, "store.lock");
  const me = `${process.pid}:${threadId}`;
  try {
    writeFileSync(path, me, { flag: "wx" });
    return path;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  const owner = readFileSync(path, "utf8").trim();
  const pid = Number(owner.split(":")[0]);
  let alive = false;
  if (owner !== me && Number.isInteger(pid) && pid > 0) {
    try {
      process.kill(pid, 0);
      alive = true;
    } catch (e) {
      alive = (e as NodeJS.ErrnoException).code === "EPERM";
    }
  }
  if (alive) throw new Error(`in use by process ${owner.split(":")[0]} (${path})`);
  writeFileSync(path, me);
  return path;
}

export class Store {
  readonly db: Database | undefined;
  readonly state: StoreState;
  readonly retentionMs: number;
  readonly maxBytes: number;
  readonly payloadCap: number;
  private readonly maxQueue: number;
  private queue: Array<(db: Database) => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private rules: RetentionRule[] = [];
  private putPayloadStmt?: BetterSqlite3.Statement;
  /** Small payloads stored since the last retention pass (which may remove them: it clears this). */
  private readonly recentSmall = new Map<string, PayloadRef>();
  private readonly flushMs: number;
  private readonly log: StoreOptions["log"];
  /** Writes dropped because the queue was full or the store failed. */
  dropped = 0;
  written = 0;
  private closed = false;
  private lockPath: string | undefined;

  constructor(opts: StoreOptions) {
    this.retentionMs = opts.retentionMs ?? 7 * DAY;
    this.maxBytes = opts.maxBytes ?? GiB;
    this.payloadCap = opts.payloadCap ?? 2 * MiB;
    this.maxQueue = opts.maxQueue ?? 20000;
    this.flushMs = opts.flushMs ?? 50;
    this.log = opts.log;
    const dir = resolve(opts.dataDir);
    const path = join(dir, "store.db");
    let db: Database | undefined;
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, fsConstants.W_OK);
      if (!opts.attach) this.lockPath = takeLock(dir);
      const Ctor = require("better-sqlite3") as typeof BetterSqlite3;
      db = new Ctor(path);
      // auto_vacuum must be chosen before the first table exists; it lets size retention give
      // pages back to the file system.
      db.pragma("auto_vacuum = INCREMENTAL");
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      // Never wait for a lock on the event loop: a write that finds the database busy (the
      // journal's digest thread writing a large payload) is retried on a later turn (flush).
      db.pragma(opts.attach ? "busy_timeout = 5000" : "busy_timeout = 0");
      const check = opts.attach ? "ok" : db.pragma("quick_check", { simple: true });
      if (check !== "ok") throw new Error(`integrity check failed: ${String(check)}`);
      db.exec(`CREATE TABLE IF NOT EXISTS store_migrations (namespace TEXT PRIMARY KEY, version INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS payloads (hash TEXT PRIMARY KEY, size INTEGER NOT NULL, truncated INTEGER NOT NULL, body TEXT NOT NULL, created INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS kv (namespace TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, expires INTEGER, PRIMARY KEY (namespace, key));
        CREATE INDEX IF NOT EXISTS kv_expires ON kv(expires) WHERE expires IS NOT NULL;`);
      this.putPayloadStmt = db.prepare("INSERT OR IGNORE INTO payloads (hash, size, truncated, body, created) VALUES (?, ?, ?, ?, ?)");
      this.state = { ok: true, path };
    } catch (e) {
      try {
        db?.close();
      } catch {
        /* already unusable */
      }
      db = undefined;
      const reason = `data directory ${dir} is unusable (${(e as Error).message}); journal off, the protocol keeps working`;
      this.state = { ok: false, reason };
      this.log?.error({ dataDir: dir, err: (e as Error).message }, "store unavailable: journal off");
    }
    this.db = db;
    if (db && !opts.attach) {
      // Every minute, or every tenth of the retention when that is shorter (a retention of
      // seconds, as bench/console.mjs uses to keep pruning running during its run).
      const every = Math.min(60_000, Math.max(1000, this.retentionMs / 10));
      this.pruneTimer = setInterval(() => {
        if (!this.pruneElsewhere) return this.prune();
        // The pass runs on another connection and may sweep payloads this one remembers.
        this.recentSmall.clear();
        this.pruneElsewhere(this.rules, this.payloadRefs);
      }, every);
      this.pruneTimer.unref();
    }
  }

  get ok(): boolean {
    return this.db !== undefined;
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Applies a namespace's migrations once each, in order (index = version - 1). */
  migrate(namespace: string, steps: string[]): void {
    const db = this.db;
    if (!db) return;
    const row = db.prepare("SELECT version FROM store_migrations WHERE namespace = ?").get(namespace) as { version: number } | undefined;
    const from = row?.version ?? 0;
    if (from >= steps.length) return;
    db.transaction(() => {
      for (let v = from; v < steps.length; v++) db.exec(steps[v]!);
      db.prepare(
        "INSERT INTO store_migrations (namespace, version) VALUES (?, ?) ON CONFLICT(namespace) DO UPDATE SET version = excluded.version",
      ).run(namespace, steps.length);
    })();
  }

  addRetention(rule: RetentionRule): void {
    if (!this.rules.some((r) => r.table === rule.table && r.tsColumn === rule.tsColumn)) this.rules.push(rule);
  }

  /**
   * When set, the minute's retention runs there instead of on this connection (the journal's
   * writer thread prunes off the event loop; docs/console.md, "Writer thread").
   */
  pruneElsewhere: ((rules: readonly RetentionRule[], payloadRefs: readonly string[]) => void) | undefined;

  /**
   * Queues a write; it runs later in a batched transaction, never on the caller's path.
   * Returns false when it was dropped (store off or queue full).
   */
  enqueue(write: (db: Database) => void): boolean {
    if (!this.db || this.closed) return false;
    if (this.queue.length >= this.maxQueue) {
      this.dropped++;
      return false;
    }
    this.queue.push(write);
    this.schedule();
    return true;
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => this.flush(SLICE_MS), this.flushMs);
    this.timer.unref();
  }

  /**
   * Runs queued writes in a transaction. On the timer it works for at most `sliceMs` and leaves
   * the rest for the next turn, so a burst never holds the event loop for long; called by a
   * reader (no argument) it writes everything first.
   */
  flush(sliceMs = Infinity): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const db = this.db;
    if (!db || this.queue.length === 0) return;
    const until = performance.now() + sliceMs;
    let done = 0;
    const batch = this.queue;
    try {
      let failed = 0;
      let firstError: Error | undefined;
      db.transaction(() => {
        while (done < batch.length) {
          try {
            batch[done++]!(db);
          } catch (e) {
            // A busy database aborts the batch (it is retried below); any other failure loses
            // only its own write, not the rest of the batch.
            if ((e as { code?: string }).code === "SQLITE_BUSY") throw e;
            failed++;
            firstError ??= e as Error;
          }
          if (performance.now() >= until) break;
        }
      })();
      if (failed) {
        this.dropped += failed;
        this.log?.error({ err: firstError!.message, lost: failed }, "store write failed");
      }
      this.written += done - failed;
    } catch (e) {
      if ((e as { code?: string }).code === "SQLITE_BUSY") {
        // Rolled back: the same writes run again shortly.
        this.queue = batch;
        this.timer = setTimeout(() => this.flush(SLICE_MS), 5);
        this.timer.unref();
        return;
      }
      this.dropped += done;
      this.log?.error({ err: (e as Error).message, lost: done }, "store write failed");
    }
    this.queue = done >= batch.length ? [] : batch.slice(done);
    if (this.queue.length > 0) {
      this.timer = setTimeout(() => this.flush(SLICE_MS), 0);
      this.timer.unref();
    }
  }

  /**
   * Stores a payload once by content hash (call inside a queued write). Over the cap, the row
   * keeps the full size and the SHA-256 of the whole text, and the body is cut at the cap.
   */
  putPayload(text: string, now = Date.now()): PayloadRef {
    // Small payloads repeat (the same reply to every query of a module): one stored since the
    // last retention pass is known to be there, so it is neither hashed nor inserted again.
    const small = text.length <= SMALL_PAYLOAD;
    const known = small ? this.recentSmall.get(text) : undefined;
    if (known) return known;
    const hash = sha256(text);
    const size = Buffer.byteLength(text);
    const truncated = size > this.payloadCap;
    const body = truncated ? Buffer.from(text).subarray(0, this.payloadCap).toString("utf8") : text;
    this.putPayloadStmt?.run(hash, size, truncated ? 1 : 0, body, now);
    const ref = { hash, size, truncated };
    if (small) {
      this.recentSmall.set(text, ref);
      if (this.recentSmall.size > 256) this.recentSmall.delete(this.recentSmall.keys().next().value!);
    }
    return ref;
  }

  /** A payload hashed and cut elsewhere (the journal's digest thread), which may have stored it already. */
  putDigest(d: { hash: string; size: number; truncated: boolean; body?: string; stored?: boolean }, now = Date.now()): PayloadRef {
    if (!d.stored && d.body !== undefined) this.putPayloadStmt?.run(d.hash, d.size, d.truncated ? 1 : 0, d.body, now);
    return { hash: d.hash, size: d.size, truncated: d.truncated };
  }

  getPayload(hash: string): { size: number; truncated: boolean; body: string } | undefined {
    const row = this.db?.prepare("SELECT size, truncated, body FROM payloads WHERE hash = ?").get(hash) as
      | { size: number; truncated: number; body: string }
      | undefined;
    return row ? { size: row.size, truncated: row.truncated === 1, body: row.body } : undefined;
  }

  /** Generic key/value state with optional expiry (guards, outboxes). Synchronous. */
  kvGet(namespace: string, key: string, now = Date.now()): string | undefined {
    const row = this.db?.prepare("SELECT value, expires FROM kv WHERE namespace = ? AND key = ?").get(namespace, key) as
      | { value: string; expires: number | null }
      | undefined;
    if (!row || (row.expires !== null && row.expires <= now)) return undefined;
    return row.value;
  }

  kvSet(namespace: string, key: string, value: string, ttlMs?: number, now = Date.now()): void {
    this.db
      ?.prepare(
        "INSERT INTO kv (namespace, key, value, expires) VALUES (?, ?, ?, ?) ON CONFLICT(namespace, key) DO UPDATE SET value = excluded.value, expires = excluded.expires",
      )
      .run(namespace, key, value, ttlMs === undefined ? null : now + ttlMs);
  }

  /** Size of the database file and its WAL, in bytes. */
  sizeBytes(): number {
    if (!this.db || !this.state.ok) return 0;
    let total = 0;
    for (const suffix of ["", "-wal"]) {
      try {
        total += statSync(this.state.path + suffix).size;
      } catch {
        /* absent */
      }
    }
    return total;
  }

  private dbBytes(): number {
    const db = this.db!;
    const pages = (db.pragma("page_count", { simple: true }) as number) - (db.pragma("freelist_count", { simple: true }) as number);
    return pages * (db.pragma("page_size", { simple: true }) as number);
  }

  /**
   * Retention: rows older than the age limit go; then, while the live data is over the size
   * limit, the oldest tenth of each table goes. Payloads no longer referenced are removed by
   * the consumers' `sweep` callbacks.
   */
  prune(now = Date.now()): { removed: number } {
    const db = this.db;
    if (!db) return { removed: 0 };
    this.flush();
    this.recentSmall.clear();
    let removed = 0;
    try {
      const cutoff = now - this.retentionMs;
      for (const r of this.rules) removed += db.prepare(`DELETE FROM ${r.table} WHERE ${r.tsColumn} < ?`).run(cutoff).changes;
      db.prepare("DELETE FROM kv WHERE expires IS NOT NULL AND expires <= ?").run(now);
      this.sweepPayloads(now);
      for (let round = 0; round < 20 && this.dbBytes() > this.maxBytes; round++) {
        for (const r of this.rules) {
          const n = (db.prepare(`SELECT COUNT(*) AS n FROM ${r.table}`).get() as { n: number }).n;
          if (n === 0) continue;
          const edge = db
            .prepare(`SELECT ${r.tsColumn} AS t FROM ${r.table} ORDER BY ${r.tsColumn} LIMIT 1 OFFSET ?`)
            .get(Math.max(0, Math.ceil(n / 10) - 1)) as { t: number };
          removed += db.prepare(`DELETE FROM ${r.table} WHERE ${r.tsColumn} <= ?`).run(edge.t).changes;
        }
        this.sweepPayloads(now);
        if (this.rules.length === 0) break;
      }
      db.pragma("incremental_vacuum");
      db.pragma("wal_checkpoint(TRUNCATE)");
    } catch (e) {
      this.log?.warn({ err: (e as Error).message }, "store retention failed");
    }
    return { removed };
  }

  private payloadRefs: string[] = [];
  /** Declares where payload hashes are referenced: `SELECT <hash column> FROM <table>`. */
  addPayloadRefs(selectSql: string): void {
    if (!this.payloadRefs.includes(selectSql)) this.payloadRefs.push(selectSql);
  }

  /** Removes payloads no consumer references any more (a minute's grace for queued writes). */
  private sweepPayloads(now: number): void {
    const db = this.db!;
    if (this.payloadRefs.length === 0) return;
    const refs = this.payloadRefs
      .map((q) => `SELECT h FROM (${q.replace(/^SELECT\s+(\S+)\s+FROM/i, "SELECT $1 AS h FROM")}) WHERE h IS NOT NULL`)
      .join(" UNION ");
    db.prepare(`DELETE FROM payloads WHERE created < ? AND hash NOT IN (${refs})`).run(now - 60_000);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    // A write that met a lock is retried here (shutdown may wait; the event loop is done).
    for (let i = 0; i < 400 && this.queue.length > 0; i++) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
      this.flush();
    }
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.pruneTimer);
    try {
      this.db?.close();
    } catch {
      /* closing anyway */
    }
    if (this.lockPath) rmSync(this.lockPath, { force: true });
  }
}
