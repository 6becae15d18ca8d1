import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extract } from "../../../src/engines/cakephp-hash/index.js";
import { roaming, startTestApp, type TestApp } from "../../helpers/app.js";
import { nodeRequest } from "./guard-helpers.js";

// rate_guard through MISP-shaped node requests, on the embedded store (docs/guards.md).

const PARAMS = ["subject", "subject_path", "limit", "window", "guard_name", "message"];
const EVENT = roaming("event-publish-tlp-white") as any;

let dir: string;
let t: TestApp;
const start = () => startTestApp({ console: { enabled: false, dataDir: dir } });
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "rate-guard-"));
  t = await start();
}, 120_000);
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

function request(values: Record<string, string>, data: unknown = EVENT) {
  const body: Record<string, unknown> = nodeRequest("rate_guard", PARAMS, values, data);
  if (values.subject_path) body.matchingData = { "Subject Path": extract(data, values.subject_path) };
  return body;
}
const run = async (values: Record<string, string>, data?: unknown) => (await t.query(request(values, data))).body;

describe("rate_guard", { timeout: 120_000 }, () => {
  it("is a blocking node; limit and window show their defaults as placeholders", async () => {
    const d = ((await (await fetch(`${t.url}/modules`)).json()) as any[]).find((m) => m.name === "rate_guard");
    expect(d.meta.config.blocking).toBe(true);
    expect(Object.keys(d.meta.config.params)).toEqual(PARAMS);
    expect(d.meta.config.params.limit.value).toBe("20");
    expect(d.meta.config.params.window.value).toBe("1h");
    expect(d.meta.config.params.subject.value).toBe("{{ Event.uuid }}");
  });

  it("allows N runs per key in the window, then blocks and says when the next is allowed", async () => {
    const values = { subject: EVENT.Event.uuid, limit: "3", guard_name: "chat" };
    for (let i = 0; i < 3; i++) expect(await run(values)).toEqual({ data: true });
    const r = await run(values);
    expect(r.error).toMatch(
      new RegExp(
        `^rate_guard: rate limit reached for key "${EVENT.Event.uuid}" \\(3 runs within 1h, limit 3, guard "chat"; next run allowed after \\d{4}-.*Z\\): the path stops here$`,
      ),
    );
    // Blocked runs are not counted, other keys have their own count.
    expect((await run(values)).error).toContain("(3 runs within 1h");
    expect(await run({ ...values, subject: "another event" })).toEqual({ data: true });
  });

  it("counts by hash path and allows runs again once the window has passed", async () => {
    // Generous margins for loaded machines; the sliding arithmetic is tested on a controlled clock
    // (test/services/guard-state).
    const values = { subject_path: "Event.uuid", limit: "2", window: "2s", guard_name: "sliding", message: "Too many for {{x}}" };
    expect(await run(values)).toEqual({ data: true });
    expect(await run(values)).toEqual({ data: true });
    expect((await run(values)).error).toMatch(/^rate_guard: Too many for \{\{x\}\} \(2 runs within 2s/);
    await new Promise((r) => setTimeout(r, 2100));
    expect(await run(values)).toEqual({ data: true });
  });

  it("never lets more than the limit through under concurrent runs", async () => {
    const replies = await Promise.all(Array.from({ length: 25 }, () => run({ subject: "burst", limit: "5", guard_name: "burst" })));
    expect(replies.filter((r) => r.data === true)).toHaveLength(5);
  });

  it("refuses a bad limit with the parameter's name", async () => {
    expect((await run({ subject: "x", limit: "0" })).error).toBe('rate_guard: parameter "limit": must be between 1 and 1000000');
    expect((await run({ subject: "x", limit: "many" })).error).toBe('rate_guard: parameter "limit": must be a whole number');
  });

  it("keeps its counts across a restart on the same data directory", async () => {
    const values = { subject: "restart", limit: "1", guard_name: "restart" };
    expect(await run(values)).toEqual({ data: true });
    await t.close();
    t = await start();
    expect((await run(values)).error).toContain("rate limit reached");
  });
});
