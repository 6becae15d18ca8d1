import { observersOf } from "../../src/core/runtime/observers.js";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Journal } from "../../src/console/journal.js";
import type { JournalWriter } from "../../src/console/writer.js";
import { mispPost, startConsoleApp, type ConsoleTestApp } from "./helpers.js";

// The journal's writer thread (docs/console.md, "Writer thread"): what the server hands it is
// written even when the server shuts down right away, and a dead thread turns the journal off
// (log line, banner) until it is restarted, while /query keeps working.

type Status = { journal: { enabled: boolean; reason: string | null; recorded: number }; store: { writerRestarts: number } };

/** The journal's writer: the journal is found among the query observers (the metrics watch queries too). */
const writerOf = (services: Parameters<typeof observersOf>[0]) =>
  (observersOf(services).find((o) => "store" in o) as unknown as Journal).sink as JournalWriter;

// One server for the file (start-up dominates on a loaded machine); the last test shuts it down.
let t: ConsoleTestApp;
let closed = false;
beforeAll(async () => {
  t = await startConsoleApp();
});
afterAll(async () => {
  if (!closed) await t?.close();
});

describe("journal writer thread", () => {
  it("a dead writer thread turns the journal off (banner reason) and is restarted; /query keeps working", async () => {
    {
      const writer = writerOf(t.app.services);
      expect(writer.up).toBe(true);
      await t.query({ module: "testaction", data: {}, params: {} });
      await t.api("/status");
      await (writer as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      const off = (await t.api<Status>("/status")).body;
      expect(off.journal.enabled).toBe(false);
      expect(off.journal.reason).toMatch(/writer thread stopped.*journal off, restarting/);
      // Not recorded while the journal is off, but answered.
      expect((await t.query({ module: "testaction", data: {}, params: {} })).status).toBe(200);
      const until = Date.now() + 15_000;
      let st = off;
      while (Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100));
        st = (await t.api<Status>("/status")).body;
        if (st.journal.enabled && st.journal.reason === null) break;
      }
      expect(st.journal).toMatchObject({ enabled: true, reason: null });
      expect(st.store.writerRestarts).toBe(1);
      await t.query({ module: "testaction", data: { marker: "after-restart" }, params: { foo: "after-restart" } });
      const list = await t.api<{ items: Array<{ params: string | null }> }>("/queries?q=after-restart");
      expect(list.body.items).toHaveLength(1);
      // Ids keep counting up across the restart (the server hands them out).
      const all = await t.api<{ items: Array<{ id: number }> }>("/queries?limit=10");
      expect(all.body.items.map((q) => q.id)).toEqual([2, 1]);
    }
  });

  it("bounds the debug posts waiting for the thread: beyond, they are dropped and counted", async () => {
    {
      const writer = writerOf(t.app.services);
      const bound = writer as unknown as { maxPosts: number };
      const saved = bound.maxPosts;
      bound.maxPosts = 5;
      const before = { ...writer.receiverStats };
      // Synchronously, within one event-loop turn: nothing can be processed meanwhile.
      for (let i = 0; i < 20; i++)
        writer.accept({ url: `/bound-test/exec/m${i}?result=success`, body: Buffer.from("{}"), receivedAt: Date.now() });
      bound.maxPosts = saved;
      expect(writer.receiverStats.received - before.received).toBe(20);
      expect(writer.receiverStats.dropped - before.dropped).toBe(15);
      await writer.sync();
      await new Promise((r) => setTimeout(r, 50));
      expect(writer.receiverStats.processed - before.processed).toBe(5);
      expect(writer.receiverStats.pending).toBe(0);
      const st = (await t.api<{ receiver: { dropped: number } }>("/status")).body;
      expect(st.receiver.dropped - before.dropped).toBe(15);
    }
  });
  it("writes everything handed over before a graceful shutdown returns", async () => {
    const queriesBefore = (await t.api<{ items: unknown[] }>("/queries?limit=500")).body.items.length;
    const replies = await Promise.all(
      Array.from({ length: 30 }, (_, i) => t.query({ module: "testaction", data: { Event: { uuid: `e-${i}` } }, params: {} })),
    );
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const posts = await Promise.all(
      Array.from({ length: 5 }, (_, i) => mispPost(t.url, "/workflow-debug/shutdown-test/exec/testaction?result=success", { n: i })),
    );
    expect(posts.every((p) => p.status === 200)).toBe(true);
    // No settle, no read: close at once.
    closed = true;
    await t.app.close();
    const Database = createRequire(import.meta.url)("better-sqlite3");
    const db = new Database(join(t.dataDir, "store.db"), { readonly: true });
    const queries = (db.prepare("SELECT COUNT(*) AS n FROM journal_queries").get() as { n: number }).n;
    const execs = (db.prepare("SELECT COUNT(*) AS n FROM journal_posts WHERE trigger = 'shutdown-test'").get() as { n: number }).n;
    db.close();
    rmSync(t.dataDir, { recursive: true, force: true });
    expect(queries).toBe(queriesBefore + 30);
    expect(execs).toBe(5);
  });
});
