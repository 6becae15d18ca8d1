import { randomUUID } from "node:crypto";
import type { Store } from "../store/store.js";
import { type GuardState, GuardStateUnavailable, hashKey, type OnceResult, type RateResult } from "./types.js";

// Guard state in the embedded store (the console's SQLite file in the data directory). Each check
// and its write run in one IMMEDIATE transaction, so two checks of one key never both pass. The
// store never waits for a lock on the event loop (busy_timeout 0): a busy database is retried a
// few times a few milliseconds apart, then the guard fails closed.

const MIGRATIONS = [
  `CREATE TABLE guard_once (key TEXT PRIMARY KEY, first_seen INTEGER NOT NULL, expires INTEGER NOT NULL);
   CREATE INDEX guard_once_expires ON guard_once(expires);
   CREATE TABLE guard_rate (key TEXT NOT NULL, ts INTEGER NOT NULL, id TEXT NOT NULL, expires INTEGER NOT NULL, PRIMARY KEY (key, id));
   CREATE INDEX guard_rate_key_ts ON guard_rate(key, ts);
   CREATE INDEX guard_rate_expires ON guard_rate(expires);`,
];
const BUSY_TRIES = 20;
const BUSY_WAIT_MS = 5;
/** Expired rows are removed at most this often (ms). */
const PRUNE_EVERY_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SqliteGuardState implements GuardState {
  readonly backend = "sqlite" as const;
  private migrated = false;
  private lastPrune = 0;

  constructor(
    private readonly store: () => Store,
    private readonly now: () => number = Date.now,
  ) {}

  private db() {
    let store: Store;
    try {
      store = this.store();
    } catch (e) {
      throw new GuardStateUnavailable((e as Error).message);
    }
    const db = store.db;
    if (!db) throw new GuardStateUnavailable(store.state.ok ? "the store is closed" : store.state.reason);
    if (!this.migrated) {
      store.migrate("guards", MIGRATIONS);
      this.migrated = true;
    }
    return db;
  }

  /** Runs `fn` in an IMMEDIATE transaction, retrying while the database is busy. */
  private async atomic<T>(fn: (db: NonNullable<Store["db"]>, now: number) => T): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const db = this.db();
        const now = this.now();
        const result = db.transaction(() => fn(db, now)).immediate();
        if (now - this.lastPrune >= PRUNE_EVERY_MS) this.prune(now);
        return result;
      } catch (e) {
        if (e instanceof GuardStateUnavailable) throw e;
        const code = (e as { code?: string }).code;
        if ((code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") && attempt < BUSY_TRIES) {
          await sleep(BUSY_WAIT_MS);
          continue;
        }
        throw new GuardStateUnavailable(`the store failed (${(e as Error).message})`);
      }
    }
  }

  /** Bounded storage: rows whose window has passed are deleted. */
  prune(now = this.now()): number {
    this.lastPrune = now;
    try {
      const db = this.db();
      return (
        db.prepare("DELETE FROM guard_once WHERE expires <= ?").run(now).changes +
        db.prepare("DELETE FROM guard_rate WHERE expires <= ?").run(now).changes
      );
    } catch {
      return 0; // retried at the next check
    }
  }

  once(namespace: string, key: string, windowMs: number): Promise<OnceResult> {
    const k = hashKey(namespace, key);
    return this.atomic((db, now) => {
      const row = db.prepare("SELECT first_seen, expires FROM guard_once WHERE key = ?").get(k) as
        | { first_seen: number; expires: number }
        | undefined;
      if (row && row.expires > now) return { first: false, firstSeen: row.first_seen, expiresAt: row.expires };
      const expiresAt = now + windowMs;
      db.prepare(
        "INSERT INTO guard_once (key, first_seen, expires) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET first_seen = excluded.first_seen, expires = excluded.expires",
      ).run(k, now, expiresAt);
      return { first: true, expiresAt };
    });
  }

  hit(namespace: string, key: string, limit: number, windowMs: number): Promise<RateResult> {
    const k = hashKey(namespace, key);
    return this.atomic((db, now) => {
      db.prepare("DELETE FROM guard_rate WHERE key = ? AND ts <= ?").run(k, now - windowMs);
      const { n, oldest } = db.prepare("SELECT COUNT(*) AS n, MIN(ts) AS oldest FROM guard_rate WHERE key = ?").get(k) as {
        n: number;
        oldest: number | null;
      };
      if (n >= limit) return { allowed: false, count: n, resetAt: (oldest ?? now) + windowMs };
      db.prepare("INSERT INTO guard_rate (key, ts, id, expires) VALUES (?, ?, ?, ?)").run(k, now, randomUUID(), now + windowMs);
      return { allowed: true, count: n + 1, resetAt: (oldest ?? now) + windowMs };
    });
  }

  async forget(namespace: string, key: string): Promise<void> {
    const k = hashKey(namespace, key);
    await this.atomic((db) => {
      db.prepare("DELETE FROM guard_once WHERE key = ?").run(k);
      db.prepare("DELETE FROM guard_rate WHERE key = ?").run(k);
    });
  }

  async close(): Promise<void> {
    // The store belongs to the app, which closes it.
  }
}
