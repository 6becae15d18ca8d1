import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { startTestApp, roaming, type TestApp } from "../helpers/app.js";
import { errorText } from "../../src/core/protocol/errors.js";
const seen = ((globalThis as Record<string, unknown>).__slowActionSeen ??= { aborted: false }) as {
  aborted: boolean;
  reason?: string;
  lateLook?: { aborted: boolean; reason: string };
};

// One test per row of docs/protocol.md#post-query (the Jinja row is covered by the template suite).

const customRoot = fileURLToPath(new URL("../fixtures/modules", import.meta.url));
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp(
    // slow_action reports what its signal did through this thread's globalThis, so it runs in-process
    // (the per-module opt-out); the isolated signal is covered by test/reliability/custom-modules.test.ts.
    {
      custom: [customRoot],
      isolation: { inProcess: ["slow_action"] },
      modules: { failing_action: { relay_password: "relay-pass-1", api: "secret:DEMO" } },
    },
    { env: { MISP_MODULES_SECRET_DEMO: "s3cr3t-from-server" } },
  );
});
afterAll(async () => t.close());

async function raw(body: string, contentType?: string) {
  const headers: Record<string, string> = contentType ? { "content-type": contentType } : {};
  const res = await fetch(`${t.url}/query`, { method: "POST", headers, body });
  return { status: res.status, type: res.headers.get("content-type"), body: (await res.json()) as Record<string, unknown> };
}

describe("POST /query reply rules (docs/protocol.md#post-query)", () => {
  it("action module succeeded → {data: true}", async () => {
    expect(
      await t.query({
        module: "testaction",
        data: roaming("event-publish-minimal-no-tags"),
        params: { foo: "", data_extraction_path: "" },
      }),
    ).toEqual({ status: 200, body: { data: true } });
  });

  it("action module failed → HTTP 200 {error: '<module>: reason'}", async () => {
    const r = await t.query({ module: "failing_action", data: {}, params: { mode: "fail", api_token: "plain-token-value" } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ error: "failing_action: remote refused the message sent with ***" });
  });

  it("expansion succeeded → {results}", async () => {
    const r = await t.query({
      module: "echo_lookup",
      domain: "evil.example",
      event_id: "42",
      attribute_uuid: "6b3c1f7e-1111-4c4c-9a9a-0123456789ab",
      config: { prefix: null, api_key: null },
    });
    expect(r).toEqual({ status: 200, body: { results: [{ types: ["text"], values: ["seen:evil.example"] }] } });
  });

  it("expansion failed / nothing found → {error, results: []}", async () => {
    const r = await t.query({ module: "echo_lookup", domain: "missing.example", config: { prefix: "x", api_key: "k-123456" } });
    expect(r).toEqual({ status: 200, body: { error: "Nothing found (key ***)", results: [] } });
  });

  it("unknown module → {error: 'Unknown module: <name>'}", async () => {
    expect(await t.query({ module: "no_such_module" })).toEqual({
      status: 200,
      body: { error: errorText("UNKNOWN_MODULE", "no_such_module") },
    });
  });

  it("body not JSON → 400 with a JSON error", async () => {
    const r = await raw("{not json", "application/json");
    expect(r.status).toBe(400);
    expect(r.type).toMatch(/application\/json/);
    expect(r.body.error).toMatch(/not valid JSON/);
    expect(String(r.body.error).startsWith(errorText("INVALID_QUERY", errorText("BODY_NOT_JSON", "")))).toBe(true);
  });

  it("body not an object → 400", async () => {
    for (const body of ["[1,2]", '"testaction"', "42", "null"]) {
      const r = await raw(body, "application/json");
      expect(r.status, body).toBe(400);
      expect(typeof r.body.error).toBe("string");
    }
  });

  it("a field of the wrong type → 400 invalid query naming the field", async () => {
    const r = await raw('{"module": 5}', "application/json");
    expect(r.status).toBe(400);
    expect(String(r.body.error)).toMatch(new RegExp(`^${errorText("INVALID_QUERY", "module: ")}`));
    const t2 = await raw('{"module": "testaction", "timeout": -1}', "application/json");
    expect(String(t2.body.error)).toMatch(/^invalid query: timeout: /);
  });

  it("body without module → 400", async () => {
    const r = await raw('{"data": {}}', "application/json");
    expect(r).toMatchObject({ status: 400, body: { error: expect.stringMatching(/module/) } });
  });

  it("empty body → 400", async () => {
    expect((await raw("", "application/json")).status).toBe(400);
    expect((await raw("")).status).toBe(400);
  });

  it("server-side deadline exceeded → HTTP 200 {error: Timeout...} naming module and limit, and the module's signal fires", async () => {
    seen.aborted = false;
    const before = Date.now();
    const r = await t.query({ module: "slow_action", data: {}, params: {} });
    expect(Date.now() - before).toBeLessThan(2000);
    expect(r.status).toBe(200);
    expect(r.body.error).toBe(`slow_action: ${errorText("TIMEOUT", "slow_action", 300)}`);
    expect(seen.aborted).toBe(true);
    expect(seen.reason).toMatch(/deadline of 300 ms/);
  });

  it("a module that first looks at its signal after the deadline finds it already aborted", async () => {
    seen.lateLook = undefined;
    const r = await t.query({ module: "slow_action", data: {}, params: { wait_ms: "500", look_late: true } });
    expect(r.body.error).toMatch(/deadline of 300 ms/);
    await expect.poll(() => seen.lateLook, { timeout: 2000 }).toEqual({ aborted: true, reason: "deadline of 300 ms exceeded" });
    const inTime = await t.query({ module: "slow_action", data: {}, params: { wait_ms: "20", look_late: true } });
    expect(inTime.body).toEqual({ data: true });
    expect(seen.lateLook).toEqual({ aborted: false, reason: "undefined" });
  });

  it("a positive integer `timeout` in the body is honoured, less a margin so our reply beats the caller's timeout", async () => {
    const r = await t.query({ module: "slow_action", data: {}, params: { wait_ms: "600" }, timeout: 2 });
    expect(r.body).toEqual({ data: true });
    const late = await t.query({ module: "slow_action", data: {}, params: { wait_ms: "1500" }, timeout: 2 });
    expect(late.body.error).toBe(`slow_action: ${errorText("TIMEOUT", "slow_action", 1000)}`);
    const bad = await raw(JSON.stringify({ module: "testaction", timeout: -1 }), "application/json");
    expect(bad.status).toBe(400);
  });

  it("unexpected exception → HTTP 200 short error, secrets scrubbed", async () => {
    const r = await t.query({ module: "failing_action", data: {}, params: { mode: "crash", api_token: "secret:DEMO" } });
    expect(r.status).toBe(200);
    expect(r.body.error).toBe(`failing_action: ${errorText("MODULE_CRASHED", "cannot read properties of undefined (token ***)")}`);
    expect(JSON.stringify(r.body)).not.toContain("s3cr3t-from-server");
  });

  it("server-side settings read by a module are scrubbed from its errors when secret", async () => {
    const r = await t.query({ module: "failing_action", params: { mode: "setting" } });
    expect(r.body.error).toBe("failing_action: relay said no to *** / ***");
  });

  it("parameter errors name the parameter", async () => {
    expect((await t.query({ module: "failing_action", params: { mode: "explode" } })).body.error).toBe(
      'failing_action: parameter "mode": must be one of fail, crash, ok, setting',
    );
    expect((await t.query({ module: "failing_action", params: { mode: "ok", retries: "x" } })).body.error).toBe(
      'failing_action: parameter "retries": must be a whole number',
    );
    expect((await t.query({ module: "failing_action", params: { mode: "ok", retries: "9" } })).body.error).toMatch(
      /parameter "retries": must be between/,
    );
    expect((await t.query({ module: "failing_action", params: { mode: "ok", verbose: "maybe" } })).body.error).toBe(
      'failing_action: parameter "verbose": must be true or false',
    );
    expect((await t.query({ module: "failing_action", params: { mode: "ok", api_token: "secret:NOPE" } })).body.error).toMatch(
      /parameter "api_token": unknown secret "NOPE"/,
    );
  });

  it("parses /query bodies as JSON whatever the Content-Type", async () => {
    const body = JSON.stringify({ module: "testaction", data: {} });
    for (const type of [
      undefined,
      "application/x-www-form-urlencoded",
      "text/plain",
      "text/html; charset=utf-8",
      "application/octet-stream",
    ]) {
      const r = await raw(body, type);
      expect(r, String(type)).toMatchObject({ status: 200, body: { data: true } });
    }
  });

  it("replies application/json; charset=utf-8", async () => {
    const r = await raw(JSON.stringify({ module: "testaction" }), "application/json");
    expect(r.type).toBe("application/json; charset=utf-8");
  });
});

describe("other endpoints", () => {
  it("GET /healthcheck keeps {status: true}", async () => {
    const body = (await (await fetch(`${t.url}/healthcheck`)).json()) as Record<string, unknown>;
    expect(body.status).toBe(true);
    expect(body.modules).toMatchObject({ loaded: expect.any(Number), failed: [] });
  });

  it("GET /version", async () => {
    const body = (await (await fetch(`${t.url}/version`)).json()) as { version: string };
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("other methods on protocol paths → 405 with Allow; unknown paths → 404 JSON", async () => {
    const r = await fetch(`${t.url}/query`, { method: "GET" });
    expect(r.status).toBe(405);
    expect(((await r.json()) as { error: string }).error).toBe(errorText("METHOD_NOT_ALLOWED", "POST"));
    expect(r.headers.get("allow")).toBe("POST");
    const m = await fetch(`${t.url}/modules`, { method: "DELETE" });
    expect(m.status).toBe(405);
    await m.text();
    const nf = await fetch(`${t.url}/nope`);
    expect(nf.status).toBe(404);
    expect(((await nf.json()) as { error: string }).error).toBe(errorText("NOT_FOUND", "GET", "/nope"));
  });

  it("GET /openapi.json is generated from the zod schemas", async () => {
    const doc = (await (await fetch(`${t.url}/openapi.json`)).json()) as any;
    expect(doc.openapi).toMatch(/^3\./);
    const q = doc.paths["/query"].post;
    expect(q.requestBody.content["application/json"].schema.required).toEqual(["module"]);
    expect(q.requestBody.content["application/json"].schema.properties.module.type).toBe("string");
    expect(Object.keys(q.responses)).toEqual(expect.arrayContaining(["200", "400"]));
    expect(doc.paths["/modules"].get.responses["200"].content["application/json"].schema.type).toBe("array");
  });

  it("the Swagger UI page is served from local assets (no CDN)", async () => {
    const page = await fetch(`${t.url}/openapi/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/swagger-ui/i);
    expect(html).not.toMatch(/https?:\/\/(cdn|unpkg|cdnjs|jsdelivr)/i);
    const bundle = await fetch(`${t.url}/openapi/static/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    const size = (await bundle.arrayBuffer()).byteLength;
    expect(size).toBeGreaterThan(100_000);
    // The docs are served by a second Fastify instance built on first use: HEAD keeps the length.
    const head = await fetch(`${t.url}/openapi/static/swagger-ui-bundle.js`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get("content-length"))).toBe(size);
    expect(head.headers.get("content-type")).toMatch(/javascript/);
    const missing = await fetch(`${t.url}/openapi/static/nope.js`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toMatch(/not found/);
  });
});
