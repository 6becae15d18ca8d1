import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import def from "../../../src/modules/action/http_webhook.js";
import { paramId, paramLabel } from "../../../src/engines/cakephp-hash/inflector.js";
import { ROAMING_FIXTURES, roaming, startTestApp, type TestApp } from "../../helpers/app.js";
import { closedPort, failures, HANG, startStandIn, type StandIn } from "../../helpers/stand-in.js";

// The generic webhook against a receiver that checks what a webhook receiver relies on:
// the method, the content type matching the body, Accept and User-Agent, and an
// Authorization header when the node is configured with one.

const TOKEN = "wh-secret-7f3a9c1d2e";

/** A MISP node request (docs/protocol.md#action-request): every declared param keyed by its id, "" when unset. */
function nodeRequest(data: unknown, values: Record<string, string>, matching: Record<string, unknown> = {}) {
  const params: Record<string, string> = {};
  const matchingData: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(def.params)) {
    params[paramId(name)] = values[name] ?? "";
    if (spec.widget === "hash_path") matchingData[paramLabel(name)] = name in matching ? matching[name] : data;
  }
  return { module: "http_webhook", data, params, matchingData };
}

const RoamingBody = z.object({
  Event: z.object({ id: z.string(), info: z.string(), _AttributeFlattened: z.array(z.object({ type: z.string(), value: z.string() })) }),
});

let app: TestApp;
let hook: StandIn;
let tlsHook: StandIn;

beforeAll(async () => {
  hook = await startStandIn();
  tlsHook = await startStandIn({ tls: true, handler: () => ({ status: 200, body: "ok" }) });
  app = await startTestApp({ http: { timeoutMs: 1000 } }, { env: { MISP_MODULES_SECRET_WEBHOOK_TOKEN: TOKEN } });
}, 120_000); // app start-up can be slow on a loaded machine
afterAll(async () => {
  await app.close();
  await hook.close();
  await tlsHook.close();
});
beforeEach(() => {
  hook.reset();
  hook.handle((req) => {
    if (req.headers.authorization !== undefined && req.headers.authorization !== `Bearer ${TOKEN}`)
      return failures.unauthorized({ error: "bad token" });
    if (req.method !== "GET" && req.method !== "HEAD") {
      const type = req.headers["content-type"] ?? "";
      if (type.startsWith("application/json")) {
        try {
          JSON.parse(req.body);
        } catch {
          return { status: 400, body: "body is not JSON" };
        }
      } else if (!type.startsWith("application/x-www-form-urlencoded") && !type.startsWith("text/plain")) {
        return { status: 415, body: "unsupported content type" };
      }
    }
    return { status: 200, body: { received: true } };
  });
});

describe("http_webhook descriptor", () => {
  it("declares the parameters of docs/modules.md#action-modules in order, with placeholders and jinja flags", async () => {
    const list = (await (await fetch(`${app.url}/modules`)).json()) as Array<{ name: string; meta: Record<string, unknown> }>;
    const d = list.find((m) => m.name === "http_webhook")!;
    expect(d.meta.icon).toBe("globe");
    expect(d.meta.icon_class).toBe("fas");
    const config = d.meta.config as {
      params: Record<string, { type: string; value?: string; jinja_supported?: boolean }>;
      support_filters: boolean;
      blocking: boolean;
    };
    expect(Object.keys(config.params)).toEqual([
      "url",
      "request_method",
      "content_type",
      "payload",
      "headers",
      "data_extraction_path",
      "self_signed",
      "expected_status",
      "signing_secret",
      "delivery",
    ]);
    expect(config.params.url).toMatchObject({ type: "string", value: "https://example.org/hook", jinja_supported: true });
    expect(config.params.request_method).toMatchObject({ type: "string", value: "post" });
    expect(config.params.content_type.value).toBe("json");
    expect(config.params.payload).toMatchObject({ type: "large_string", jinja_supported: true });
    expect(config.params.payload.value).toBeUndefined();
    expect(config.params.headers).toMatchObject({ type: "large_string", jinja_supported: true, value: "X-MISP-Event: {{ Event.uuid }}" });
    expect(config.params.data_extraction_path).toMatchObject({ type: "hash_path", value: "Event._AttributeFlattened.{n}.value" });
    expect(config.params.self_signed.value).toBe("deny");
    expect(config.params.expected_status.value).toBe("2xx");
    expect(config.support_filters).toBe(false);
    expect(config.blocking).toBe(false);
  });
});

describe("http_webhook requests", () => {
  it("POSTs the roaming data as JSON by default", async () => {
    const data = roaming("event-publish-tlp-red");
    const r = await app.query(nodeRequest(data, { url: `${hook.url}/hook?x=1` }));
    expect(r.body).toEqual({ data: true });
    const req = hook.last();
    expect(req.method).toBe("POST");
    expect(req.url).toBe("/hook?x=1");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers.accept).toBe("application/json");
    expect(req.headers["user-agent"]).toMatch(/^misp-modules-ts\//);
    expect(RoamingBody.parse(JSON.parse(req.body)).Event.id).toBe("1201");
    expect(JSON.parse(req.body)).toEqual(data);
  });

  it("sends a payload text unchanged and refuses invalid JSON without calling", async () => {
    const payload = '{ "text": "Event 42 published",\n  "n": 1 }';
    expect((await app.query(nodeRequest(roaming("event-publish-minimal-no-tags"), { url: hook.url, payload }))).body).toEqual({
      data: true,
    });
    expect(hook.last().body).toBe(payload);
    hook.reset();
    const bad = await app.query(nodeRequest(roaming("event-publish-minimal-no-tags"), { url: hook.url, payload: "Event 42 published" }));
    expect(bad.body).toEqual({ error: 'http_webhook: parameter "payload": is not valid JSON (content_type is json)' });
    expect(hook.requests).toHaveLength(0);
  });

  it("sends the extraction when data_extraction_path is set and payload is empty", async () => {
    const values = ["203.0.113.5", "evil.example"];
    const r = await app.query(
      nodeRequest(
        roaming("event-publish-tlp-red"),
        { url: hook.url, data_extraction_path: "Event._AttributeFlattened.{n}.value" },
        { data_extraction_path: values },
      ),
    );
    expect(r.body).toEqual({ data: true });
    expect(JSON.parse(hook.last().body)).toEqual(values);
  });

  it("form-encodes structured data like PHP http_build_query", async () => {
    const data = { Event: { info: "a b&c", published: true, protected: null, Tag: [{ name: "tlp:red" }] } };
    const r = await app.query(nodeRequest(data, { url: hook.url, content_type: "form" }));
    expect(r.body).toEqual({ data: true });
    const req = hook.last();
    expect(req.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(req.body).toBe("Event%5Binfo%5D=a+b%26c&Event%5Bpublished%5D=1&Event%5BTag%5D%5B0%5D%5Bname%5D=tlp%3Ared");
    expect(new URLSearchParams(req.body).get("Event[Tag][0][name]")).toBe("tlp:red");
  });

  it("sends a form payload text verbatim and text bodies as text/plain", async () => {
    await app.query(nodeRequest({}, { url: hook.url, content_type: "form", payload: "event=42&state=published" }));
    expect(hook.last().body).toBe("event=42&state=published");
    await app.query(nodeRequest({ Event: { id: "7" } }, { url: hook.url, content_type: "text" }));
    expect(hook.last().headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(hook.last().body).toBe('{"Event":{"id":"7"}}');
  });

  it("GET sends no body; PUT, PATCH and DELETE carry it", async () => {
    expect(
      (await app.query(nodeRequest(roaming("event-publish-minimal-no-tags"), { url: hook.url, request_method: "GET", payload: "{}" })))
        .body,
    ).toEqual({ data: true });
    expect(hook.last().method).toBe("GET");
    expect(hook.last().body).toBe("");
    expect(hook.last().headers["content-type"]).toBeUndefined();
    for (const m of ["put", "patch", "delete"]) {
      await app.query(nodeRequest({ a: 1 }, { url: hook.url, request_method: m }));
      expect(hook.last().method).toBe(m.toUpperCase());
      expect(hook.last().body).toBe('{"a":1}');
    }
  });

  it("adds user headers, overriding defaults case-insensitively", async () => {
    const headers = `Authorization: Bearer ${TOKEN}\r\ncontent-type: application/vnd.misp+json\nX-Trace:  abc \n\n`;
    hook.handle(() => ({ status: 200, body: "" }));
    await app.query(nodeRequest({ a: 1 }, { url: hook.url, headers }));
    const req = hook.last();
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req.headers["content-type"]).toBe("application/vnd.misp+json");
    expect(req.headers["x-trace"]).toBe("abc");
  });

  it("replaces secret:NAME words in header values with the server's secret, and keeps it out of errors", async () => {
    expect((await app.query(nodeRequest({ a: 1 }, { url: hook.url, headers: "Authorization: Bearer secret:WEBHOOK_TOKEN" }))).body).toEqual(
      { data: true },
    );
    expect(hook.last().headers.authorization).toBe(`Bearer ${TOKEN}`);
    hook.script(failures.serverError(`cannot use ${TOKEN}`));
    expect((await app.query(nodeRequest({}, { url: hook.url, headers: "Authorization: Bearer secret:WEBHOOK_TOKEN" }))).body).toEqual({
      error: "http_webhook: HTTP 500 Internal Server Error: cannot use ***",
    });
    const unknown = await app.query(nodeRequest({}, { url: hook.url, headers: "X-Key: secret:NOPE" }));
    expect(unknown.body.error).toMatch(/^http_webhook: parameter "headers": unknown secret "NOPE"/);
  });

  it("rejects malformed header lines and bad parameter values before any request", async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ headers: "Authorization Bearer x" }, 'http_webhook: parameter "headers": line 1 has no ":" (expected "Name: value")'],
      [{ headers: "Bad Name: x" }, 'http_webhook: parameter "headers": line 1: invalid header name'],
      [{ request_method: "TRACE" }, 'http_webhook: parameter "request_method": must be one of post, put, patch, get, delete'],
      [{ content_type: "xml" }, 'http_webhook: parameter "content_type": must be one of json, form, text'],
      [{ expected_status: "ok" }, 'http_webhook: parameter "expected_status": "ok" is neither a status code (200) nor a class (2xx)'],
      [{ self_signed: "maybe" }, 'http_webhook: parameter "self_signed": must be one of deny, allow'],
    ];
    for (const [values, error] of cases) {
      expect((await app.query(nodeRequest({}, { url: hook.url, ...values }))).body).toEqual({ error });
    }
    expect((await app.query(nodeRequest({}, {}))).body).toEqual({ error: 'http_webhook: parameter "url": is required' });
    expect((await app.query(nodeRequest({}, { url: "ftp://example.org/x" }))).body.error).toMatch(/parameter "url": must be an http/);
    expect(hook.requests).toHaveLength(0);
  });

  it("honours expected_status", async () => {
    hook.handle(() => ({ status: 200, body: "fine" }));
    const r = await app.query(nodeRequest({}, { url: hook.url, expected_status: "202, 204" }));
    expect(r.body).toEqual({ error: "http_webhook: HTTP 200 OK: fine" });
    hook.handle(() => ({ status: 204 }));
    expect((await app.query(nodeRequest({}, { url: hook.url, expected_status: "202,204" }))).body).toEqual({ data: true });
    hook.handle(() => ({ status: 302, headers: { location: "https://other.example/next?token=abc123456" } }));
    expect((await app.query(nodeRequest({}, { url: hook.url, expected_status: "3xx" }))).body).toEqual({ data: true });
  });
});

describe("http_webhook failures", () => {
  it("reports 401 and 403 as authentication failures with the body excerpt, token scrubbed", async () => {
    hook.script(failures.unauthorized(`invalid header Bearer ${TOKEN}`), failures.unauthorized(`unknown token ${TOKEN}`));
    const r = await app.query(nodeRequest({}, { url: hook.url, headers: `Authorization: Bearer ${TOKEN}` }));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ error: "http_webhook: authentication failed (HTTP 401 Unauthorized): invalid header ***" });
    const bare = await app.query(nodeRequest({}, { url: hook.url, headers: `Authorization: Bearer ${TOKEN}` }));
    expect(bare.body).toEqual({ error: "http_webhook: authentication failed (HTTP 401 Unauthorized): unknown token ***" });
    hook.script(failures.forbidden());
    expect((await app.query(nodeRequest({}, { url: hook.url }))).body).toEqual({
      error: "http_webhook: authentication failed (HTTP 403 Forbidden): Forbidden",
    });
  });

  it("reports 404, 413 and 500 with status and at most 300 characters of body", async () => {
    hook.script(failures.notFound("no such hook"), failures.tooLarge(), failures.serverError("E".repeat(5000)));
    expect((await app.query(nodeRequest({}, { url: hook.url }))).body).toEqual({ error: "http_webhook: HTTP 404 Not Found: no such hook" });
    expect((await app.query(nodeRequest({}, { url: hook.url }))).body).toEqual({
      error: "http_webhook: HTTP 413 Payload Too Large: Payload Too Large",
    });
    const r = await app.query(nodeRequest({}, { url: hook.url }));
    const error = r.body.error as string;
    expect(error.startsWith("http_webhook: HTTP 500 Internal Server Error: EEEE")).toBe(true);
    expect(error.length).toBeLessThanOrEqual("http_webhook: HTTP 500 Internal Server Error: ".length + 300);
  });

  it("reports 429 with the Retry-After seconds", async () => {
    hook.script(failures.rateLimited(17, "slow down"));
    expect((await app.query(nodeRequest({}, { url: hook.url }))).body).toEqual({
      error: "http_webhook: HTTP 429 Too Many Requests, rate limited, retry after 17 s: slow down",
    });
  });

  it("reports a redirect answer to a POST with its location (query left out)", async () => {
    hook.script({ status: 301, headers: { location: "https://moved.example/hook?sig=s3cr3tsig" } });
    const r = await app.query(nodeRequest({}, { url: hook.url }));
    expect(r.body).toEqual({ error: "http_webhook: HTTP 301 Moved Permanently, redirected to https://moved.example/hook" });
  });

  it("fails on a hanging endpoint within the HTTP timeout", async () => {
    hook.script(HANG);
    const started = Date.now();
    const r = await app.query(nodeRequest({}, { url: hook.url }));
    expect(r.body.error).toMatch(/^http_webhook: POST to the webhook failed: .*(timeout|time|ms)/i);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("fails when the connection is refused", async () => {
    const port = await closedPort();
    const r = await app.query(nodeRequest({}, { url: `http://127.0.0.1:${port}/hook` }));
    expect(r.body.error).toMatch(/^http_webhook: POST to the webhook failed: .*(refused|ECONNREFUSED)/i);
  });

  it("refuses a self-signed certificate unless self_signed is allow", async () => {
    const denied = await app.query(nodeRequest({}, { url: `${tlsHook.url}/hook` }));
    expect(denied.body.error).toMatch(/^http_webhook: POST to the webhook failed: .*(certificate|self[- ]signed|TLS)/i);
    expect(tlsHook.requests).toHaveLength(0);
    const allowed = await app.query(nodeRequest({ a: 1 }, { url: `${tlsHook.url}/hook`, self_signed: "allow" }));
    expect(allowed.body).toEqual({ data: true });
    expect(tlsHook.last().body).toBe('{"a":1}');
  });
});

describe("http_webhook server-side allow-list", () => {
  it("refuses URLs outside modules.http_webhook.allowed_urls", { timeout: 120_000 }, async () => {
    const guarded = await startTestApp({ modules: { http_webhook: { allowed_urls: `${hook.url}/allowed/*` } } });
    try {
      expect((await guarded.query(nodeRequest({}, { url: `${hook.url}/allowed/x` }))).body).toEqual({ data: true });
      const r = await guarded.query(nodeRequest({}, { url: `${hook.url}/other` }));
      expect(r.body).toEqual({
        error: 'http_webhook: parameter "url": is not in the server\'s allow-list (modules.http_webhook.allowed_urls)',
      });
      expect(hook.requests.map((q) => q.path)).toEqual(["/allowed/x"]);
    } finally {
      await guarded.close();
    }
  });
});

describe("http_webhook end to end with every roaming fixture", () => {
  it.each(ROAMING_FIXTURES)("%s", async (name) => {
    const data = roaming(name);
    const r = await app.query(nodeRequest(data, { url: `${hook.url}/misp` }));
    expect(r).toEqual({ status: 200, body: { data: true } });
    expect(JSON.parse(hook.last().body)).toEqual(data);
  });
});
