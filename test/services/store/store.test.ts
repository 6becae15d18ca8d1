import { mkdtempSync, rmSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { sha256, Store } from "../../../src/services/store/store.js";

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "mmts-store-"));
  dirs.push(d);
  return d;
}

/** A store with one table `t` (ts, payload hash h) under a 1 s retention that sweeps payloads. */
function storeWithRetention(): Store {
  const s = new Store({ dataDir: tmp(), retentionMs: 1000 });
  s.migrate("t", ["CREATE TABLE t (id INTEGER PRIMARY KEY, ts INTEGER, h TEXT)"]);
  s.addRetention({ table: "t", tsColumn: "ts" });
  s.addPayloadRefs("SELECT h FROM t");
  return s;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("embedded store", () => {
  it("creates the data directory on first use, in WAL mode", () => {
    const dir = join(tmp(), "nested", "data");
    const s = new Store({ dataDir: dir });
    expect(s.ok).toBe(true);
    expect(existsSync(join(dir, "store.db"))).toBe(true);
    expect(s.db!.pragma("journal_mode", { simple: true })).toBe("wal");
    s.close();
  });

  it("batches queued writes into one transaction, off the caller's path", async () => {
    const s = new Store({ dataDir: tmp(), flushMs: 20 });
    s.migrate("t", ["CREATE TABLE t (id INTEGER PRIMARY KEY, ts INTEGER)"]);
    for (let i = 0; i < 100; i++) s.enqueue((db) => db.prepare("INSERT INTO t (ts) VALUES (?)").run(i));
    expect((s.db!.prepare("SELECT COUNT(*) n FROM t").get() as { n: number }).n).toBe(0);
    await new Promise((r) => setTimeout(r, 60));
    expect((s.db!.prepare("SELECT COUNT(*) n FROM t").get() as { n: number }).n).toBe(100);
    expect(s.written).toBe(100);
    s.close();
  });

  it("drops writes over the queue bound and counts them", () => {
    const s = new Store({ dataDir: tmp(), maxQueue: 10 });
    let accepted = 0;
    for (let i = 0; i < 25; i++) if (s.enqueue(() => undefined)) accepted++;
    expect(accepted).toBe(10);
    expect(s.dropped).toBe(15);
    s.close();
  });

  it("stores a payload once by content hash; over the cap keeps size, SHA-256 and a truncated copy", () => {
    const s = new Store({ dataDir: tmp(), payloadCap: 1000 });
    const small = JSON.stringify({ a: 1 });
    const big = "x".repeat(5000);
    let refs: ReturnType<Store["putPayload"]>[] = [];
    s.enqueue(() => {
      refs = [s.putPayload(small), s.putPayload(small), s.putPayload(big)];
    });
    s.flush();
    expect(refs[0]!.hash).toBe(refs[1]!.hash);
    expect((s.db!.prepare("SELECT COUNT(*) n FROM payloads").get() as { n: number }).n).toBe(2);
    const p = s.getPayload(refs[2]!.hash)!;
    expect(refs[2]).toEqual({ hash: sha256(big), size: 5000, truncated: true });
    expect(p.truncated).toBe(true);
    expect(p.body.length).toBe(1000);
    s.close();
  });

  it("retention removes rows older than the age limit and unreferenced payloads", () => {
    const s = storeWithRetention();
    const now = Date.now();
    s.enqueue((db) => {
      const old = s.putPayload("old", now - 120_000);
      const fresh = s.putPayload("fresh", now - 120_000);
      db.prepare("INSERT INTO t (ts, h) VALUES (?, ?)").run(now - 5000, old.hash);
      db.prepare("INSERT INTO t (ts, h) VALUES (?, ?)").run(now, fresh.hash);
    });
    s.flush();
    const { removed } = s.prune(now);
    expect(removed).toBe(1);
    expect(s.getPayload(sha256("old"))).toBeUndefined();
    expect(s.getPayload(sha256("fresh"))?.body).toBe("fresh");
    s.close();
  });

  it("a retention shorter than ten minutes is applied every tenth of it, not only every minute", () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    try {
      const s = new Store({ dataDir: tmp(), retentionMs: 10_000 });
      s.migrate("t", ["CREATE TABLE t (id INTEGER PRIMARY KEY, ts INTEGER)"]);
      s.addRetention({ table: "t", tsColumn: "ts" });
      s.enqueue((db) => db.prepare("INSERT INTO t (ts) VALUES (?)").run(Date.now() - 60_000));
      s.flush();
      vi.advanceTimersByTime(999);
      expect(s.db!.prepare("SELECT COUNT(*) AS n FROM t").get()).toEqual({ n: 1 });
      vi.advanceTimersByTime(1);
      expect(s.db!.prepare("SELECT COUNT(*) AS n FROM t").get()).toEqual({ n: 0 });
      s.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it("a small payload stored again after a retention pass swept it is stored again", () => {
    const s = storeWithRetention();
    const now = Date.now();
    const reply = '{"data":true}';
    s.enqueue((db) => db.prepare("INSERT INTO t (ts, h) VALUES (?, ?)").run(now - 5000, s.putPayload(reply, now - 120_000).hash));
    s.flush();
    // Repeated while stored: the same reference.
    expect(s.putPayload(reply, now).hash).toBe(sha256(reply));
    s.prune(now);
    expect(s.getPayload(sha256(reply))).toBeUndefined();
    s.enqueue((db) => db.prepare("INSERT INTO t (ts, h) VALUES (?, ?)").run(now, s.putPayload(reply, now).hash));
    s.flush();
    expect(s.getPayload(sha256(reply))?.body).toBe(reply);
    s.close();
  });

  it("retention by total size removes the oldest rows first", () => {
    const s = new Store({ dataDir: tmp(), maxBytes: 256 * 1024 });
    s.migrate("t", ["CREATE TABLE t (id INTEGER PRIMARY KEY, ts INTEGER, blob TEXT)"]);
    s.addRetention({ table: "t", tsColumn: "ts" });
    const now = Date.now();
    s.enqueue((db) => {
      for (let i = 0; i < 400; i++) db.prepare("INSERT INTO t (ts, blob) VALUES (?, ?)").run(now - 400 + i, "y".repeat(2000));
    });
    s.flush();
    s.prune(now);
    const rows = s.db!.prepare("SELECT MIN(ts) lo, COUNT(*) n FROM t").get() as { lo: number; n: number };
    expect(rows.n).toBeLessThan(400);
    expect(rows.n).toBeGreaterThan(0);
    // The newest rows are the ones kept.
    expect(rows.lo).toBe(now - rows.n);
    s.close();
  });

  it("keeps generic key/value state with expiry (for guards and outboxes)", () => {
    const s = new Store({ dataDir: tmp() });
    s.kvSet("guard", "k", "v", 1000, 0);
    expect(s.kvGet("guard", "k", 500)).toBe("v");
    expect(s.kvGet("guard", "k", 1500)).toBeUndefined();
    s.close();
  });

  it("a corrupt database degrades to journal off with a reason", () => {
    const dir = tmp();
    writeFileSync(join(dir, "store.db"), "this is not a database".repeat(200));
    const lines: string[] = [];
    const log = { info: () => undefined, warn: () => undefined, error: (_o: object, m: string) => void lines.push(m) };
    const s = new Store({ dataDir: dir, log });
    expect(s.ok).toBe(false);
    expect(s.state.ok ? "" : s.state.reason).toMatch(/journal off/);
    expect(lines.join()).toMatch(/journal off/);
    expect(s.enqueue(() => undefined)).toBe(false);
    s.close();
  });

  it("an unwritable data directory degrades to journal off", () => {
    const dir = join(tmp(), "file-not-dir");
    writeFileSync(dir, "x");
    const s = new Store({ dataDir: join(dir, "sub") });
    expect(s.ok).toBe(false);
    s.close();
  });

  it("a second writer on the same directory gets journal off, not collisions", () => {
    const dir = tmp();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "store.lock"), `${process.pid}:9999`);
    const s = new Store({ dataDir: dir });
    expect(s.ok).toBe(false);
    expect(s.state.ok ? "" : s.state.reason).toMatch(/in use by process/);
    s.close();
    rmSync(join(dir, "store.lock"));
    const t = new Store({ dataDir: dir });
    expect(t.ok).toBe(true);
    t.close();
    expect(existsSync(join(dir, "store.lock"))).toBe(false);
  });
});
