import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ModuleRegistry } from "../../src/core/registry/registry.js";
import { Journal } from "../../src/console/journal.js";
import { Store } from "../../src/services/store/store.js";

// MISP sends the same event to every node of a run: the journal tells a repeated body by its
// bytes (docs/console.md, "Writer thread") and masks, serialises and stores it once. A body of
// the same length but other bytes must never be taken for the repeat.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function journalOnTmp(): { store: Store; journal: Journal } {
  const dir = mkdtempSync(join(tmpdir(), "mmts-journal-repeats-"));
  dirs.push(dir);
  const store = new Store({ dataDir: dir, flushMs: 1000 });
  const registry = { all: () => [], version: 1 } as unknown as ModuleRegistry;
  return { store, journal: new Journal(store, registry, "full") };
}

function record(journal: Journal, id: number, body: object | string): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const json = '{"data":true}';
  journal.record(
    {
      id,
      calls: [],
      start: {
        body: JSON.parse(text) as Record<string, unknown>,
        module: undefined,
        startedAt: Date.now(),
        // A fresh Buffer each time, as each request's bytes arrive.
        rawBody: Buffer.from(text),
      },
    },
    { reply: { data: true }, json, outcome: "ok", durationMs: 1, secretValues: [] },
  );
}

describe("journal: repeated request bodies", () => {
  it("stores one payload for the same bytes, and tells apart a body of the same length", () => {
    const { store, journal } = journalOnTmp();
    const event = { Event: { uuid: "5f1c0d1e-0000-4000-8000-000000000001", info: "phishing wave" } };
    const a = { module: "testaction", data: event, params: { foo: "alpha", token: "AAAA-secret-one" } };
    const b = { module: "testaction", data: event, params: { foo: "bravo", token: "BBBB-secret-two" } };
    expect(JSON.stringify(a).length).toBe(JSON.stringify(b).length);
    record(journal, 1, a);
    record(journal, 2, a);
    record(journal, 3, b);
    store.flush();
    const rows = store.db!.prepare("SELECT id, request_hash FROM journal_queries ORDER BY id").all() as Array<{ request_hash: string }>;
    expect(rows).toHaveLength(3);
    expect(rows[1]!.request_hash).toBe(rows[0]!.request_hash);
    expect(rows[2]!.request_hash).not.toBe(rows[0]!.request_hash);
    const stored = (hash: string) => store.getPayload(hash)!.body;
    // Each record's request shows its own (masked) parameters, none shows a secret.
    for (const r of rows) expect(stored(r.request_hash)).not.toMatch(/secret-one|secret-two/);
    expect(store.db!.prepare("SELECT COUNT(*) AS n FROM payloads WHERE body LIKE '%phishing wave%'").get()).toEqual({ n: 2 });
    // The originals for replays follow each record, not the cached one.
    expect(journal.vault.get(2)).toEqual(journal.vault.get(1));
    expect(JSON.stringify(journal.vault.get(3))).toContain("BBBB-secret-two");
    store.close();
  });
});
