import { observersOf } from "../../src/core/runtime/observers.js";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roaming } from "../helpers/app.js";
import { startConsoleApp, type ConsoleTestApp } from "./helpers.js";

type Q = {
  id: number;
  module: string;
  outcome: string;
  error: string | null;
  params: Record<string, unknown>;
  outbound: Array<{ method: string; host: string; status?: number; error?: string; durationMs: number }>;
  replayOf: number | null;
};

let t: ConsoleTestApp;
let sink: Server;
let sinkHost = "";
beforeAll(async () => {
  sink = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(req.url?.includes("fail") ? 500 : 200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
  sinkHost = `127.0.0.1:${(sink.address() as AddressInfo).port}`;
  t = await startConsoleApp();
});
afterAll(async () => {
  await t?.close();
  await new Promise((r) => sink.close(r));
});

const webhook = (path: string) => ({
  module: "http_webhook",
  data: roaming("event-publish-minimal-no-tags"),
  params: {
    url: `http://${sinkHost}/${path}`,
    request_method: "post",
    content_type: "json",
    payload: "",
    headers: "",
    data_extraction_path: "",
    self_signed: "deny",
    expected_status: "2xx",
  },
});

describe("console journal and API", () => {
  it("records every /query with outcome, duration and the module's outbound calls (method, host, status)", async () => {
    await t.query(webhook("ok"));
    await t.query(webhook("fail"));
    await t.query({ module: "no_such_module" });
    const list = (await t.api<{ items: Q[] }>("/queries")).body.items;
    const [unknown, fail, ok] = list;
    expect(unknown).toMatchObject({ module: "no_such_module", outcome: "unknown_module" });
    expect(fail).toMatchObject({ module: "http_webhook", outcome: "error" });
    expect(fail!.error).toMatch(/500/);
    expect(fail!.outbound[0]).toMatchObject({ method: "POST", host: sinkHost, status: 500 });
    expect(ok!.outbound[0]).toMatchObject({ method: "POST", host: sinkHost, status: 200 });
    expect(ok!.outbound[0]!.durationMs).toBeGreaterThan(0);
    const detail = (await t.api<Record<string, { text: string }>>(`/queries/${ok!.id}`)).body;
    expect(JSON.parse(detail.request!.text).module).toBe("http_webhook");
    expect(JSON.parse(detail.reply!.text)).toEqual({ data: true });
  });

  it("filters by module, outcome, time and text, and pages with a cursor", async () => {
    for (let i = 0; i < 5; i++) await t.query({ module: "testaction", data: {}, params: { foo: `needle-${i}` } });
    const byModule = (await t.api<{ items: Q[] }>("/queries?module=testaction")).body.items;
    expect(byModule.length).toBe(5);
    expect((await t.api<{ items: Q[] }>("/queries?outcome=error")).body.items.every((q) => q.outcome === "error")).toBe(true);
    expect((await t.api<{ items: Q[] }>("/queries?q=NEEDLE-3")).body.items.map((q) => q.params.foo)).toEqual(["needle-3"]);
    expect((await t.api<{ items: Q[] }>("/queries?since=1h")).body.items.length).toBeGreaterThanOrEqual(8);
    expect((await t.api<{ items: Q[] }>("/queries?until=2000-01-01")).body.items.length).toBe(0);
    const p1 = (await t.api<{ items: Q[]; next: number }>("/queries?module=testaction&limit=2")).body;
    expect(p1.items.length).toBe(2);
    const p2 = (await t.api<{ items: Q[]; next: number | null }>(`/queries?module=testaction&limit=2&before=${p1.next}`)).body;
    expect(p2.items[0]!.id).toBeLessThan(p1.items[1]!.id);
  });

  it("answers bad input with a clear error in its own format", async () => {
    for (const [path, re] of [
      ["/queries?limit=0", /limit/],
      ["/queries?since=yesterday", /since/],
      ["/queries?outcome=weird", /outcome/],
      ["/queries/abc", /id/],
      ["/queries/999999", /no recorded query/],
      ["/runs/999999", /no run/],
      ["/payloads/xyz", /hash/],
    ] as const) {
      const r = await t.api<{ error: string }>(path);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.status, path).toBeLessThan(500);
      expect(r.body.error, path).toMatch(re);
    }
    const badJson = await fetch(`${t.url}/console/api/render`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { error: string }).error).toMatch(/not valid JSON/);
    const missing = await t.api<{ error: string }>("/render", {});
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatch(/template/);
  });

  it("replays a query with an edited parameter and shows old and new replies", async () => {
    const id = (await t.api<{ items: Q[] }>("/queries?module=http_webhook&outcome=error")).body.items[0]!.id;
    const r = await t.api<{ old: { error: string }; new: Record<string, unknown>; replayOf: number }>(`/queries/${id}/replay`, {
      params: { url: `http://${sinkHost}/now-ok` },
    });
    expect(r.status).toBe(200);
    expect(r.body.old.error).toMatch(/500/);
    expect(r.body.new).toEqual({ data: true });
    const latest = (await t.api<{ items: Q[] }>("/queries?limit=1")).body.items[0]!;
    expect(latest).toMatchObject({ replayOf: id, outcome: "ok" });
    expect((await t.api<{ error: string }>("/queries/999999/replay", {})).status).toBe(404);
  });

  it("renders templates, with line and column on errors", async () => {
    const ok = await t.api<{ ok: boolean; text: string }>("/render", {
      template: "{{ Event.info | upper }}",
      dataText: '{"Event":{"info":"hello"}}',
    });
    expect(ok.body).toMatchObject({ ok: true, text: "HELLO" });
    const bad = await t.api<{ ok: boolean; line: number; column: number; error: string }>("/render", {
      template: "line one\n{% if %}",
      data: {},
    });
    expect(bad.body).toMatchObject({ ok: false, line: 2 });
    expect(bad.body.column).toBeGreaterThan(0);
    expect(bad.body.error).toMatch(/syntax/i);
  });

  it("extracts hash paths and shows which items survive a MISP filter under which keys", async () => {
    const data = {
      Event: {
        Attribute: [
          { type: "ip-dst", value: "1.2.3.4" },
          { type: "domain", value: "x.org" },
          { type: "ip-dst", value: "5.6.7.8" },
        ],
      },
    };
    const ex = await t.api<{ ok: boolean; result: unknown }>("/extract", { path: "Event.Attribute.{n}[type=ip-dst].value", data });
    expect(ex.body).toMatchObject({ ok: true, result: ["1.2.3.4", "5.6.7.8"] });
    // CakePHP evaluates an unclosed wildcard as a plain key: a result, with a positioned warning.
    const odd = await t.api<{ ok: boolean; warnings: string[] }>("/extract", { path: "Event.{n", data });
    expect(odd.body.ok).toBe(true);
    expect(odd.body.warnings.join(" ")).toMatch(/position \d+/);
    const f = await t.api<{ ok: boolean; kept: Array<{ key: number; item: { value: string } }> }>("/filter", {
      selector: "Event.Attribute.{n}",
      path: "type",
      operator: "equals",
      value: "ip-dst",
      data,
    });
    expect(f.body.kept.map((k) => [k.key, k.item.value])).toEqual([
      [0, "1.2.3.4"],
      [2, "5.6.7.8"],
    ]);
    expect((await t.api<{ error: string }>("/filter", { operator: "bogus", value: "", data })).status).toBe(400);
  });

  it("lists modules with their parameters and load status, and tries one as MISP would call it", async () => {
    const mods = (
      await t.api<{
        modules: Array<{
          name: string;
          kind: string;
          state: string;
          nodeId: string | null;
          params: Array<{ name: string; id: string; secret: boolean }>;
        }>;
      }>("/modules")
    ).body.modules;
    const hook = mods.find((m) => m.name === "http_webhook")!;
    expect(hook).toMatchObject({ kind: "action", state: "ready", nodeId: "http_webhook" });
    expect(hook.params.find((p) => p.name === "headers")!.secret).toBe(true);
    const dry = await t.api<{ request: { module: string; params: Record<string, string> }; status: null }>("/modules/testaction/try", {
      params: { foo: "bar" },
      data: { Event: {} },
      dryRun: true,
    });
    expect(dry.body.request).toMatchObject({ module: "testaction", params: { foo: "bar" } });
    expect(dry.body.status).toBeNull();
    const run = await t.api<{ status: number; reply: unknown }>("/modules/testaction/try", { params: { foo: "bar" }, data: { Event: {} } });
    expect(run.body).toMatchObject({ status: 200, reply: { data: true } });
    expect((await t.api<{ error: string }>("/modules/testaction/try", { params: { nope: "x" } })).body.error).toMatch(/no parameter/);
    expect((await t.api("/modules/nothing/try", {})).status).toBe(404);
  });

  it("offers the bundled roaming fixtures to the playgrounds", async () => {
    const list = await t.api<{ items: string[] }>("/fixtures");
    expect(list.body.items).toContain("event-publish-tlp-red.json");
    const one = await t.api<{ text: string }>("/fixtures/event-publish-tlp-red.json");
    expect(JSON.parse(one.body.text).Event).toBeTruthy();
    expect((await t.api("/fixtures/..%2Fpackage.json")).status).toBe(404);
  });

  it("is described in /openapi.json from the same schemas", async () => {
    const spec = (await (await fetch(`${t.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { parameters?: Array<{ name: string }>; requestBody?: unknown }>>;
    };
    expect(spec.paths["/console/api/queries"]!.get!.parameters!.map((p) => p.name)).toEqual(
      expect.arrayContaining(["module", "outcome", "since", "q", "before", "limit"]),
    );
    expect(spec.paths["/console/api/queries/{id}/replay"]!.post!.requestBody).toBeTruthy();
    expect(spec.paths["/console/api/render"]).toBeTruthy();
  });

  it("the list query uses its indexes (a page stays fast over 100,000 records)", () => {
    const db = (
      journalOf(t.app.services) as unknown as { store: { db: { prepare(s: string): { all(...a: unknown[]): Array<{ detail: string }> } } } }
    ).store.db;
    const plan = (sql: string) =>
      db
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all()
        .map((r) => r.detail)
        .join(" | ");
    expect(plan("SELECT id FROM journal_queries WHERE module = 'x' AND id < 5 ORDER BY id DESC LIMIT 51")).toMatch(
      /USING (COVERING )?INDEX jq_module/,
    );
    expect(plan("SELECT id FROM journal_queries ORDER BY id DESC LIMIT 51")).toMatch(
      /PRIMARY KEY|INTEGER PRIMARY KEY|SCAN journal_queries/,
    );
  });
});

describe("capture modes", () => {
  it("metadata keeps outcome and masked parameters but no payloads; off records nothing", async () => {
    const m = await startConsoleApp({ capture: "metadata" });
    try {
      await m.query({ module: "testaction", data: { Event: { info: "payload-not-kept" } }, params: { foo: "kept" } });
      const q = (await m.api<{ items: Q[] }>("/queries")).body.items[0]!;
      expect(q.params.foo).toBe("kept");
      const d = await m.api(`/queries/${q.id}`);
      expect(d.text).not.toContain("payload-not-kept");
      expect((await m.api<{ error: string }>(`/queries/${q.id}/replay`, {})).body.error).toMatch(/metadata/);
    } finally {
      await m.close();
    }
    const o = await startConsoleApp({ capture: "off" });
    try {
      await o.query({ module: "testaction", data: {} });
      expect((await o.api<{ items: Q[] }>("/queries")).body.items).toEqual([]);
      expect((await o.api<{ journal: { enabled: boolean } }>("/status")).body.journal.enabled).toBe(false);
    } finally {
      await o.close();
    }
  }, 120_000);
});

/** The console's journal among the query observers (the metrics watch queries too). */
function journalOf(services: Parameters<typeof observersOf>[0]) {
  return observersOf(services).find((o) => "store" in o);
}
