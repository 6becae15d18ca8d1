import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ModuleRegistry } from "../../src/core/registry/registry.js";
import { Journal } from "../../src/console/journal.js";
import { SecretVault } from "../../src/console/masking.js";
import { Store } from "../../src/services/store/store.js";

// The journal's in-memory bounds are evicted in bulk, not one entry per query (docs/console.md,
// "Recording cost"): what they promise must hold all the same.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("journal: in-memory bounds", () => {
  it("the secret vault keeps at least the newest `max` entries and at most twice that", () => {
    const vault = new SecretVault(100);
    for (let id = 1; id <= 1000; id++) vault.set(id, { "params.token": `secret-${id}` });
    for (let id = 901; id <= 1000; id++) expect(vault.get(id)).toEqual({ "params.token": `secret-${id}` });
    let kept = 0;
    for (let id = 1; id <= 1000; id++) if (vault.get(id)) kept++;
    expect(kept).toBeGreaterThanOrEqual(100);
    expect(kept).toBeLessThanOrEqual(200);
    expect(vault.get(1)).toBeUndefined();
    // Nothing masked, nothing kept (and nothing evicted for it).
    vault.set(1001, {});
    expect(vault.get(1001)).toBeUndefined();
    expect(vault.get(1000)).toBeDefined();
  });

  it("a MISP node post still links to its query after thousands of others", () => {
    const dir = mkdtempSync(join(tmpdir(), "mmts-journal-bounds-"));
    dirs.push(dir);
    const store = new Store({ dataDir: dir, flushMs: 1000 });
    const journal = new Journal(store, { all: () => [], version: 1 } as unknown as ModuleRegistry, "metadata");
    const end = { reply: { data: true }, json: '{"data":true}', outcome: "ok", durationMs: 1, secretValues: [] };
    const record = (id: number, module: string) =>
      journal.record({ id, calls: [], start: { body: { module }, module: undefined, startedAt: Date.now() } }, end);
    record(1, "mattermost");
    for (let id = 2; id <= 1500; id++) record(id, "testaction");
    // Within the thousand most recent (the list is trimmed by halves past two thousand).
    expect(journal.link("mattermost", 7, 70)).toBe(1);
    // After trims: the newest still links, the linked one does not link twice.
    for (let id = 1501; id <= 4000; id++) record(id, "testaction");
    record(4001, "mattermost");
    expect(journal.link("mattermost", 8, 80)).toBe(4001);
    expect(journal.link("mattermost", 9, 90)).toBeUndefined();
    expect(journal.link("testaction", 9, 91)).toBe(4000);
    store.flush();
    expect(store.db!.prepare("SELECT run_id, post_id FROM journal_queries WHERE id IN (1, 4001) ORDER BY id").all()).toEqual([
      { run_id: 7, post_id: 70 },
      { run_id: 8, post_id: 80 },
    ]);
    store.close();
  });
});
