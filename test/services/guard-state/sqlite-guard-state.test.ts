import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashKey, SqliteGuardState } from "../../../src/services/guard-state/index.js";
import { Store } from "../../../src/services/store/store.js";

// The SQLite guard state on a controlled clock: windows, sliding counts and pruning (docs/guards.md).

let dir: string;
let store: Store;
let now = 1_000_000;
let state: SqliteGuardState;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "guard-state-"));
  store = new Store({ dataDir: dir });
  state = new SqliteGuardState(
    () => store,
    () => now,
  );
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});
const count = (table: string) => (store.db!.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

describe("SqliteGuardState", () => {
  it("once: first, then seen until the window ends, then first again", async () => {
    expect(await state.once("ns", "k", 1000)).toEqual({ first: true, expiresAt: now + 1000 });
    now += 999;
    expect(await state.once("ns", "k", 1000)).toEqual({ first: false, firstSeen: now - 999, expiresAt: now + 1 });
    now += 1;
    expect((await state.once("ns", "k", 1000)).first).toBe(true);
    expect((await state.once("other-ns", "k", 1000)).first).toBe(true);
  });

  it("hit: a sliding window of at most `limit` counted runs", async () => {
    const t0 = now;
    expect(await state.hit("r", "k", 2, 100)).toEqual({ allowed: true, count: 1, resetAt: t0 + 100 });
    now += 50;
    expect((await state.hit("r", "k", 2, 100)).allowed).toBe(true);
    expect(await state.hit("r", "k", 2, 100)).toEqual({ allowed: false, count: 2, resetAt: t0 + 100 });
    now = t0 + 100;
    expect(await state.hit("r", "k", 2, 100)).toEqual({ allowed: true, count: 2, resetAt: t0 + 150 });
  });

  it("stores only hashes and prunes what has expired", async () => {
    await state.once("p", "secret-looking value", 10);
    await state.hit("p", "secret-looking value", 5, 10);
    const keys = store.db!.prepare("SELECT key FROM guard_once UNION SELECT key FROM guard_rate").all() as { key: string }[];
    expect(keys.map((k) => k.key)).toContain(hashKey("p", "secret-looking value"));
    expect(JSON.stringify(keys)).not.toContain("secret-looking");
    const before = count("guard_once") + count("guard_rate");
    now += 1_000_000;
    expect(state.prune()).toBe(before);
    expect(count("guard_once") + count("guard_rate")).toBe(0);
  });
});
