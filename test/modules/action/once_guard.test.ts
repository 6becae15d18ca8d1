import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extract } from "../../../src/engines/cakephp-hash/index.js";
import { roaming, startTestApp, type TestApp } from "../../helpers/app.js";
import { attributeTriggerData, nodeRequest } from "./guard-helpers.js";

// once_guard through MISP-shaped node requests, on the embedded store (docs/guards.md).

const PARAMS = ["subject", "subject_path", "window", "guard_name", "message"];
const EVENT = roaming("event-publish-onion-pap-red") as any;
const attr = (i: number) => attributeTriggerData(EVENT, i);
const uuidOf = (i: number) => EVENT.Event._AttributeFlattened[i].uuid as string;

let dir: string;
let t: TestApp;
const start = () => startTestApp({ console: { enabled: false, dataDir: dir } });
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "once-guard-"));
  t = await start();
}, 120_000);
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What MISP sends: `subject` already rendered, and matchingData for the hash path under its label. */
function request(values: Record<string, string>, data: unknown) {
  const body: Record<string, unknown> = nodeRequest("once_guard", PARAMS, values, data);
  if (values.subject_path) body.matchingData = { "Subject Path": extract(data, values.subject_path) };
  return body;
}
const run = async (values: Record<string, string>, data: unknown = attr(0)) => (await t.query(request(values, data))).body;

describe("once_guard", { timeout: 120_000 }, () => {
  it("is a blocking node with MISP-friendly labels and placeholders", async () => {
    const d = ((await (await fetch(`${t.url}/modules`)).json()) as any[]).find((m) => m.name === "once_guard");
    expect(d.meta.config.blocking).toBe(true);
    expect(Object.keys(d.meta.config.params)).toEqual(PARAMS);
    expect(d.meta.config.params.subject).toMatchObject({ value: "{{ Event._AttributeFlattened[0].uuid }}", jinja_supported: true });
    expect(d.meta.config.params.subject_path.type).toBe("hash_path");
    expect(d.meta.config.params.window.value).toBe("30d");
  });

  it("lets the first run of a key through and blocks the second, saying why", async () => {
    expect(await run({ subject: uuidOf(0), guard_name: "first" })).toEqual({ data: true });
    const r = await run({ subject: uuidOf(0), guard_name: "first" });
    expect(r.error).toMatch(
      new RegExp(
        `^once_guard: already ran for key "${uuidOf(0)}" \\(first run \\d{4}-.*Z, window 30d, guard "first"; runs again after .*Z\\): the path stops here$`,
      ),
    );
    // Another key, or the same key under another guard name, is independent.
    expect(await run({ subject: uuidOf(1), guard_name: "first" })).toEqual({ data: true });
    expect(await run({ subject: uuidOf(0), guard_name: "other" })).toEqual({ data: true });
  });

  it("takes the key from a hash path (MISP's matchingData) and uses the custom message", async () => {
    const values = { subject_path: "Event._AttributeFlattened.{n}.uuid", guard_name: "path" };
    expect(await run(values, attr(2))).toEqual({ data: true });
    const r = await run({ ...values, message: "Already enriched: exampleonion" }, attr(2));
    expect(r.error).toMatch(/^once_guard: Already enriched: exampleonion \(first run /);
    expect(await run(values, attr(3))).toEqual({ data: true });
  });

  it("runs again once a short window has passed", async () => {
    // Generous margins for loaded machines; exact window arithmetic is tested on a controlled clock
    // (test/services/guard-state).
    const values = { subject: "short-window", window: "2s", guard_name: "short" };
    expect(await run(values)).toEqual({ data: true });
    expect((await run(values)).error).toContain("window 2s");
    await new Promise((r) => setTimeout(r, 2100));
    expect(await run(values)).toEqual({ data: true });
  });

  it("lets exactly one of many concurrent runs of one key through", async () => {
    const replies = await Promise.all(Array.from({ length: 20 }, () => run({ subject: "race", guard_name: "race" })));
    expect(replies.filter((r) => r.data === true)).toHaveLength(1);
    expect(replies.filter((r) => typeof r.error === "string")).toHaveLength(19);
  });

  it("blocks with a reason when there is no key or a parameter is wrong", async () => {
    expect((await run({})).error).toMatch(/^once_guard: no key: set Subject/);
    expect((await run({ subject_path: "Event.nothing.here" })).error).toContain('subject_path "Event.nothing.here" found nothing');
    expect((await run({ subject: "x", window: "soon" })).error).toBe(
      'once_guard: parameter "window": must be a time span such as 90s, 15m, 12h or 30d',
    );
  });

  it("keeps its state across a restart on the same data directory, storing keys hashed", async () => {
    expect(await run({ subject: "survives-restart", guard_name: "restart" })).toEqual({ data: true });
    await t.close();
    t = await start();
    expect((await run({ subject: "survives-restart", guard_name: "restart" })).error).toContain("already ran");
    const db = t.app.services.store!().db!;
    const keys = (db.prepare("SELECT key FROM guard_once").all() as { key: string }[]).map((r) => r.key);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) expect(k).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("once_guard without a usable store", { timeout: 120_000 }, () => {
  it("fails closed with an error that says so", async () => {
    // A data directory below a plain file cannot be created.
    const file = join(dir, "plain-file");
    writeFileSync(file, "");
    const broken = await startTestApp({ console: { enabled: false, dataDir: join(file, "data") } });
    try {
      const r = (await broken.query(request({ subject: "k" }, attr(0)))).body;
      expect(r.error).toMatch(/^once_guard: guard state unavailable: data directory .* is unusable .*; failing closed: the run stops here/);
    } finally {
      await broken.close();
    }
  });
});
