import type BetterSqlite3 from "better-sqlite3";
import type { Database } from "../../services/store/store.js";
import {
  OutboxFull,
  type AttemptRecord,
  type JobState,
  type JobView,
  type NewJob,
  type OutboxBackend,
  type OutboxJob,
  type OutboxStats,
} from "./types.js";

// The outbox on the embedded SQLite store (WAL). Every write is synchronous and committed before
// the caller goes on: a job is on disk before MISP hears `{"data": true}`. Claiming is one
// transaction that leases due jobs; a job whose lease ran out (kill -9) is due again, so
// delivery is at-least-once with the job's stable id.

export const OUTBOX_MIGRATIONS = [
  `CREATE TABLE outbox_jobs (
     id TEXT PRIMARY KEY,
     module TEXT NOT NULL,
     destination TEXT NOT NULL,
     body TEXT NOT NULL,
     state TEXT NOT NULL,
     created INTEGER NOT NULL,
     next_at INTEGER NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     lease_owner TEXT,
     lease_until INTEGER,
     last_error TEXT,
     finished INTEGER
   );
   CREATE INDEX outbox_due ON outbox_jobs(state, next_at);
   CREATE INDEX outbox_finished ON outbox_jobs(state, finished);
   CREATE TABLE outbox_attempts (
     job_id TEXT NOT NULL,
     n INTEGER NOT NULL,
     ts INTEGER NOT NULL,
     duration_ms INTEGER NOT NULL,
     status INTEGER,
     result TEXT NOT NULL,
     error TEXT,
     excerpt TEXT,
     PRIMARY KEY (job_id, n)
   );`,
];

interface JobRow {
  id: string;
  module: string;
  destination: string;
  body: string;
  state: JobState;
  created: number;
  next_at: number;
  attempts: number;
  last_error: string | null;
  finished: number | null;
}

interface AttemptRow {
  n: number;
  ts: number;
  duration_ms: number;
  status: number | null;
  result: AttemptRecord["result"];
  error: string | null;
  excerpt: string | null;
}

function toJob(r: JobRow): OutboxJob {
  return {
    id: r.id,
    module: r.module,
    destination: r.destination,
    body: r.body,
    state: r.state,
    createdAt: r.created,
    nextAt: r.next_at,
    attempts: r.attempts,
    ...(r.last_error !== null ? { lastError: r.last_error } : {}),
    ...(r.finished !== null ? { finishedAt: r.finished } : {}),
  };
}

function toAttempt(r: AttemptRow): AttemptRecord {
  return {
    n: r.n,
    at: r.ts,
    durationMs: r.duration_ms,
    result: r.result,
    ...(r.status !== null ? { status: r.status } : {}),
    ...(r.error !== null ? { error: r.error } : {}),
    ...(r.excerpt !== null ? { excerpt: r.excerpt } : {}),
  };
}

export interface SqliteOutboxOptions {
  maxJobs: number;
  maxDead: number;
  keepDeliveredMs: number;
}

/** Applies the outbox's tables to a database (the Store's migrate() does the same for the server). */
export function migrateOutbox(db: Database): void {
  db.exec("CREATE TABLE IF NOT EXISTS store_migrations (namespace TEXT PRIMARY KEY, version INTEGER NOT NULL)");
  const row = db.prepare("SELECT version FROM store_migrations WHERE namespace = 'outbox'").get() as { version: number } | undefined;
  const from = row?.version ?? 0;
  if (from >= OUTBOX_MIGRATIONS.length) return;
  db.transaction(() => {
    for (let v = from; v < OUTBOX_MIGRATIONS.length; v++) db.exec(OUTBOX_MIGRATIONS[v]!);
    db.prepare(
      "INSERT INTO store_migrations (namespace, version) VALUES ('outbox', ?) ON CONFLICT(namespace) DO UPDATE SET version = excluded.version",
    ).run(OUTBOX_MIGRATIONS.length);
  })();
}

export class SqliteOutbox implements OutboxBackend {
  readonly kind = "sqlite" as const;
  private readonly insert: BetterSqlite3.Statement;
  private readonly countWaiting: BetterSqlite3.Statement;
  private readonly due: BetterSqlite3.Statement;
  private readonly lease: BetterSqlite3.Statement;
  private readonly addAttempt: BetterSqlite3.Statement;

  constructor(
    private readonly db: Database,
    private readonly o: SqliteOutboxOptions,
  ) {
    migrateOutbox(db);
    this.insert = db.prepare(
      "INSERT OR IGNORE INTO outbox_jobs (id, module, destination, body, state, created, next_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
    );
    this.countWaiting = db.prepare("SELECT COUNT(*) AS n FROM outbox_jobs WHERE state IN ('pending', 'leased')");
    this.due = db.prepare(
      "SELECT id, destination FROM outbox_jobs WHERE (state = 'pending' AND next_at <= ?) OR (state = 'leased' AND lease_until <= ?) ORDER BY next_at LIMIT ?",
    );
    this.lease = db.prepare(
      "UPDATE outbox_jobs SET state = 'leased', lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE id = ? AND ((state = 'pending' AND next_at <= ?) OR (state = 'leased' AND lease_until <= ?)) RETURNING *",
    );
    // n numbers the job's whole history: a replay's attempts follow the dead letter's.
    this.addAttempt = db.prepare(
      "INSERT INTO outbox_attempts (job_id, n, ts, duration_ms, status, result, error, excerpt) VALUES (@job, (SELECT COALESCE(MAX(n), 0) + 1 FROM outbox_attempts WHERE job_id = @job), @ts, @duration, @status, @result, @error, @excerpt)",
    );
  }

  async enqueue(job: NewJob): Promise<void> {
    this.db
      .transaction(() => {
        if ((this.countWaiting.get() as { n: number }).n >= this.o.maxJobs) throw new OutboxFull(this.o.maxJobs);
        this.insert.run(job.id, job.module, job.destination, job.body, job.createdAt, job.createdAt);
      })
      .immediate();
  }

  async claim(limit: number, owner: string, leaseMs: number, eligible: (destination: string) => boolean): Promise<OutboxJob[]> {
    const now = Date.now();
    return this.db
      .transaction(() => {
        // Look further than `limit`: jobs of a saturated destination must not block the others.
        const candidates = this.due.all(now, now, limit * 8) as Array<{ id: string; destination: string }>;
        const out: OutboxJob[] = [];
        for (const c of candidates) {
          if (out.length >= limit) break;
          if (!eligible(c.destination)) continue;
          const row = this.lease.get(owner, now + leaseMs, c.id, now, now) as JobRow | undefined;
          if (row) out.push(toJob(row));
        }
        return out;
      })
      .immediate();
  }

  async finish(job: OutboxJob, owner: string, a: AttemptRecord, nextAt?: number): Promise<void> {
    const now = Date.now();
    this.db
      .transaction(() => {
        this.addAttempt.run({
          job: job.id,
          ts: a.at,
          duration: Math.round(a.durationMs),
          status: a.status ?? null,
          result: a.result,
          error: a.error ?? null,
          excerpt: a.excerpt ?? null,
        });
        // Only the lease holder moves the job on: after a lost lease another worker owns it.
        if (a.result === "delivered") {
          this.db
            .prepare(
              "UPDATE outbox_jobs SET state = 'delivered', lease_owner = NULL, lease_until = NULL, finished = ?, last_error = NULL WHERE id = ? AND lease_owner = ?",
            )
            .run(now, job.id, owner);
        } else if (a.result === "retry" && nextAt !== undefined) {
          this.db
            .prepare(
              "UPDATE outbox_jobs SET state = 'pending', lease_owner = NULL, lease_until = NULL, next_at = ?, last_error = ? WHERE id = ? AND lease_owner = ?",
            )
            .run(nextAt, a.error ?? null, job.id, owner);
        } else {
          this.db
            .prepare(
              "UPDATE outbox_jobs SET state = 'dead', lease_owner = NULL, lease_until = NULL, finished = ?, last_error = ? WHERE id = ? AND lease_owner = ?",
            )
            .run(now, a.error ?? null, job.id, owner);
        }
      })
      .immediate();
  }

  private history(id: string): AttemptRecord[] {
    return (this.db.prepare("SELECT * FROM outbox_attempts WHERE job_id = ? ORDER BY n").all(id) as AttemptRow[]).map(toAttempt);
  }

  async list(filter: { state?: JobState | "waiting"; limit: number }): Promise<JobView[]> {
    const where = filter.state === "waiting" ? "WHERE state IN ('pending', 'leased')" : filter.state ? "WHERE state = ?" : "";
    const args: unknown[] = filter.state && filter.state !== "waiting" ? [filter.state] : [];
    const rows = this.db.prepare(`SELECT * FROM outbox_jobs ${where} ORDER BY created DESC LIMIT ?`).all(...args, filter.limit) as JobRow[];
    return rows.map((r) => {
      const { body: _body, ...job } = toJob(r);
      return { ...job, history: this.history(r.id) };
    });
  }

  async get(id: string): Promise<JobView | undefined> {
    const r = this.db.prepare("SELECT * FROM outbox_jobs WHERE id = ?").get(id) as JobRow | undefined;
    if (!r) return undefined;
    const { body: _body, ...job } = toJob(r);
    return { ...job, history: this.history(id) };
  }

  async retry(which: { id: string } | { allDead: true }): Promise<number> {
    const now = Date.now();
    // A replay starts a fresh series: attempts and age count from now, the history stays.
    const set = "SET state = 'pending', next_at = ?, attempts = 0, created = ?, finished = NULL, lease_owner = NULL, lease_until = NULL";
    if ("id" in which) return this.db.prepare(`UPDATE outbox_jobs ${set} WHERE id = ? AND state = 'dead'`).run(now, now, which.id).changes;
    return this.db.prepare(`UPDATE outbox_jobs ${set} WHERE state = 'dead'`).run(now, now).changes;
  }

  async purge(which: { dead?: boolean; delivered?: boolean }): Promise<number> {
    const states = [which.dead ? "dead" : undefined, which.delivered ? "delivered" : undefined].filter((s): s is string => !!s);
    if (states.length === 0) return 0;
    return this.db
      .transaction(() => {
        const marks = states.map(() => "?").join(", ");
        this.db
          .prepare(`DELETE FROM outbox_attempts WHERE job_id IN (SELECT id FROM outbox_jobs WHERE state IN (${marks}))`)
          .run(...states);
        return this.db.prepare(`DELETE FROM outbox_jobs WHERE state IN (${marks})`).run(...states).changes;
      })
      .immediate();
  }

  async stats(now = Date.now()): Promise<OutboxStats> {
    const rows = this.db
      .prepare(
        "SELECT module, state, COUNT(*) AS n, SUM(attempts) AS attempts, MIN(created) AS oldest FROM outbox_jobs GROUP BY module, state",
      )
      .all() as Array<{
      module: string;
      state: JobState;
      n: number;
      attempts: number;
      oldest: number;
    }>;
    const byModule = new Map<string, OutboxStats["modules"][number]>();
    for (const r of rows) {
      const m = byModule.get(r.module) ?? {
        module: r.module,
        pending: 0,
        inFlight: 0,
        delivered: 0,
        dead: 0,
        attempts: 0,
        oldestPendingAgeMs: null,
      };
      if (r.state === "pending") m.pending = r.n;
      else if (r.state === "leased") m.inFlight = r.n;
      else if (r.state === "delivered") m.delivered = r.n;
      else m.dead = r.n;
      m.attempts += r.attempts ?? 0;
      if (r.state === "pending" || r.state === "leased") {
        const age = now - r.oldest;
        m.oldestPendingAgeMs = Math.max(m.oldestPendingAgeMs ?? 0, age);
      }
      byModule.set(r.module, m);
    }
    const modules = [...byModule.values()].sort((a, b) => a.module.localeCompare(b.module));
    const ages = modules.map((m) => m.oldestPendingAgeMs).filter((a): a is number => a !== null);
    return {
      backend: "sqlite",
      depth: modules.reduce((s, m) => s + m.pending + m.inFlight, 0),
      dead: modules.reduce((s, m) => s + m.dead, 0),
      oldestPendingAgeMs: ages.length ? Math.max(...ages) : null,
      modules,
    };
  }

  async trim(now = Date.now()): Promise<void> {
    this.db
      .transaction(() => {
        const orphans = "DELETE FROM outbox_attempts WHERE job_id NOT IN (SELECT id FROM outbox_jobs)";
        this.db.prepare("DELETE FROM outbox_jobs WHERE state = 'delivered' AND finished < ?").run(now - this.o.keepDeliveredMs);
        const dead = (this.db.prepare("SELECT COUNT(*) AS n FROM outbox_jobs WHERE state = 'dead'").get() as { n: number }).n;
        if (dead > this.o.maxDead) {
          this.db
            .prepare("DELETE FROM outbox_jobs WHERE id IN (SELECT id FROM outbox_jobs WHERE state = 'dead' ORDER BY finished LIMIT ?)")
            .run(dead - this.o.maxDead);
        }
        this.db.prepare(orphans).run();
      })
      .immediate();
  }

  async close(): Promise<void> {
    /* the store owns the database */
  }
}
