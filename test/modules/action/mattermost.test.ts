import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import def from "../../../src/modules/action/mattermost.js";
import { ROAMING_FIXTURES, roaming, startTestApp, type TestApp } from "../../helpers/app.js";
import { closedPort, failures, HANG, startStandIn, type RecordedRequest, type Reply, type StandIn } from "../../helpers/stand-in.js";
import { nodeRequest as mispActionBody } from "../../helpers/misp-request.js";

// A Mattermost stand-in enforcing POST /api/v4/posts (CreatePost: bearer token, JSON body
// {channel_id, message, ...}, 201 with the post) and incoming webhooks (POST /hooks/<id>,
// JSON {text}, 200 "ok"), behind a path prefix to check that the prefix is kept.

const TOKEN = "mm-bot-token-9v8u7t6s5r";
const CHANNEL = "4xp9fdt77pncbef59f4k1qe83o";
const PREFIX = "/mattermost";
const HOOK_PATH = `${PREFIX}/hooks/xq9z1mgbhfbxjbqt6p7ak3rmoa`;

// CreatePost request body (Mattermost API reference).
const CreatePost = z.object({
  channel_id: z.string().regex(/^[a-z0-9]{26}$/),
  message: z.string().max(16_383),
  root_id: z.string().optional(),
  file_ids: z.array(z.string()).optional(),
  props: z.record(z.string(), z.unknown()).optional(),
});
const IncomingWebhook = z.object({ text: z.string().min(1), channel: z.string().optional(), username: z.string().optional() });

function appError(status: number, id: string, message: string): Reply {
  return { status, body: { id, message, detailed_error: "", request_id: "r4nd0mreq1d", status_code: status } };
}

function contract(req: RecordedRequest): Reply {
  if (req.path === HOOK_PATH) {
    if (req.method !== "POST" || !String(req.headers["content-type"]).startsWith("application/json"))
      return { status: 400, body: "Unable to parse incoming data" };
    try {
      if (!IncomingWebhook.safeParse(JSON.parse(req.body)).success) return { status: 400, body: "No text specified" };
    } catch {
      return { status: 400, body: "Unable to parse incoming data" };
    }
    return { status: 200, headers: { "content-type": "text/plain" }, body: "ok" };
  }
  if (req.path !== `${PREFIX}/api/v4/posts` || req.method !== "POST")
    return appError(404, "api.context.404.app_error", "Sorry, we could not find the page.");
  if (req.headers.authorization !== `Bearer ${TOKEN}`)
    return appError(401, "api.context.session_expired.app_error", "Invalid or expired session, please login again.");
  if (req.headers["content-type"] !== "application/json")
    return appError(400, "api.context.invalid_body_param.app_error", "Invalid or missing post in request body.");
  let parsed;
  try {
    parsed = CreatePost.safeParse(JSON.parse(req.body));
  } catch {
    return appError(400, "api.context.invalid_body_param.app_error", "Invalid or missing post in request body.");
  }
  if (!parsed.success) return appError(400, "api.context.invalid_body_param.app_error", "Invalid or missing post in request body.");
  if (parsed.data.channel_id !== CHANNEL)
    return appError(403, "api.context.permissions.app_error", "You do not have the appropriate permissions.");
  return {
    status: 201,
    body: { id: "p0stid00000000000000000000", channel_id: CHANNEL, message: parsed.data.message, create_at: 1729430000000 },
  };
}

function nodeRequest(data: unknown, values: Record<string, string>, extra: Record<string, unknown> = {}) {
  return mispActionBody("mattermost", def, data, values, { filteredItems: data, ...extra });
}

let app: TestApp;
let mm: StandIn;
let api: Record<string, string>;

beforeAll(async () => {
  mm = await startStandIn();
  app = await startTestApp({ http: { timeoutMs: 1000 } });
  api = { mattermost_hostname: `${mm.url}${PREFIX}/`, bot_access_token: TOKEN, channel_id: CHANNEL };
}, 120_000); // app start-up can be slow on a loaded machine
afterAll(async () => {
  await app.close();
  await mm.close();
});
beforeEach(() => {
  mm.reset();
  mm.handle(contract);
});

describe("mattermost descriptor", () => {
  it("keeps the reference parameters and adds webhook_url and verify_tls", async () => {
    const list = (await (await fetch(`${app.url}/modules`)).json()) as Array<{ name: string; meta: Record<string, unknown> }>;
    const d = list.find((m) => m.name === "mattermost")!;
    expect([d.meta.icon, d.meta.icon_class]).toEqual(["comments", "fas"]);
    const config = d.meta.config as {
      params: Record<string, { type: string; value?: string; jinja_supported?: boolean }>;
      support_filters: boolean;
    };
    expect(Object.keys(config.params)).toEqual([
      "mattermost_hostname",
      "bot_access_token",
      "channel_id",
      "message_template",
      "webhook_url",
      "verify_tls",
      "delivery",
    ]);
    expect(config.params.mattermost_hostname.value).toBe("https://chat.example.org");
    expect(config.params.message_template).toMatchObject({ type: "large_string", jinja_supported: true });
    expect(config.params.verify_tls).toMatchObject({ type: "string", value: "true" });
    expect(config.support_filters).toBe(true);
  });
});

describe("mattermost API mode", () => {
  it("POSTs {channel_id, message} to {base}/api/v4/posts with the bearer token, keeping the path prefix", async () => {
    const r = await app.query(
      nodeRequest(roaming("event-publish-tlp-red"), { ...api, message_template: "**Event** {{ Event.id }} published" }),
    );
    expect(r.body).toEqual({ data: true });
    const req = mm.last();
    expect(req.method).toBe("POST");
    expect(req.path).toBe("/mattermost/api/v4/posts");
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req.headers.accept).toBe("application/json");
    expect(JSON.parse(req.body)).toEqual({ channel_id: CHANNEL, message: "**Event** {{ Event.id }} published" });
    expect(mm.requests).toHaveLength(1); // no users/me login call
  });

  it("adds https:// to a bare host name", async () => {
    const tls = await startStandIn({ tls: true, handler: contract });
    try {
      const r = await app.query(nodeRequest({}, { ...api, mattermost_hostname: `127.0.0.1:${tls.port}${PREFIX}`, verify_tls: "no" }));
      expect(r.body).toEqual({ data: true });
      expect(tls.last().path).toBe("/mattermost/api/v4/posts");
    } finally {
      await tls.close();
    }
  });

  it("sends the summary (cut at 16000) when the template is empty", async () => {
    await app.query(nodeRequest(roaming("event-publish-sharing-group"), api));
    expect(JSON.parse(mm.last().body).message).toBe(
      [
        "[MISP] Event 1204: Banking trojan targeting sector members",
        "UUID: f2d89130-5d51-55ee-b7d3-9685ef1a8c46",
        "Creator org: CIRCL | Threat level: High | Analysis: Ongoing | Published: no",
        'Tags: tlp:amber, PAP:AMBER, workflow:state="incomplete"',
        "Attributes: 8 (ip-dst: 1, hostname: 1, AS: 1, vulnerability: 1, filename: 1, others: 3)",
      ].join("\n"),
    );
    await app.query(nodeRequest({}, { ...api, message_template: "y".repeat(20_000) }));
    const message = JSON.parse(mm.last().body).message as string;
    expect(message).toHaveLength(16_000);
    expect(message.endsWith("… (truncated)")).toBe(true);
  });

  it("names missing parameters without any request", async () => {
    expect((await app.query(nodeRequest({}, { channel_id: CHANNEL }))).body).toEqual({
      error: "mattermost: missing parameters mattermost_hostname, bot_access_token (or set webhook_url)",
    });
    expect((await app.query(nodeRequest({}, { ...api, mattermost_hostname: "ftp://chat.example.org" }))).body).toEqual({
      error: 'mattermost: parameter "mattermost_hostname": must be an http:// or https:// URL',
    });
    expect((await app.query(nodeRequest({}, { ...api, verify_tls: "perhaps" }))).body).toEqual({
      error: 'mattermost: parameter "verify_tls": must be true or false',
    });
    expect(mm.requests).toHaveLength(0);
  });

  it("reports Mattermost's error message with the status", async () => {
    expect((await app.query(nodeRequest({}, { ...api, bot_access_token: "wrong-token-123" }))).body).toEqual({
      error: "mattermost: HTTP 401 Unauthorized: Invalid or expired session, please login again.",
    });
    expect((await app.query(nodeRequest({}, { ...api, channel_id: "zzzzzzzzzzzzzzzzzzzzzzzzzz" }))).body).toEqual({
      error: "mattermost: HTTP 403 Forbidden: You do not have the appropriate permissions.",
    });
    expect((await app.query(nodeRequest({}, { ...api, channel_id: "not-an-id" }))).body).toEqual({
      error: "mattermost: HTTP 400 Bad Request: Invalid or missing post in request body.",
    });
    mm.script(
      appError(404, "app.channel.get.existing.app_error", "Unable to find the existing channel."),
      failures.tooLarge("<html>413</html>"),
      appError(429, "api.context.rate_limit", "Too many requests"),
      failures.serverError(),
    );
    expect((await app.query(nodeRequest({}, api))).body.error).toBe("mattermost: HTTP 404 Not Found: Unable to find the existing channel.");
    expect((await app.query(nodeRequest({}, api))).body.error).toBe("mattermost: HTTP 413 Payload Too Large: <html>413</html>");
    expect((await app.query(nodeRequest({}, api))).body.error).toBe(
      "mattermost: HTTP 429 Too Many Requests, rate limited: Too many requests",
    );
    expect((await app.query(nodeRequest({}, api))).body.error).toBe("mattermost: HTTP 500 Internal Server Error: Internal Server Error");
    mm.script(failures.rateLimited(12, { message: "rate limited" }));
    expect((await app.query(nodeRequest({}, api))).body.error).toBe(
      "mattermost: HTTP 429 Too Many Requests, rate limited, retry after 12 s: rate limited",
    );
  });

  it("fails on a hang and keeps the token out of errors", async () => {
    mm.script(HANG, failures.serverError(`bad token ${TOKEN}`));
    expect((await app.query(nodeRequest({}, api))).body.error).toMatch(
      /^mattermost: posting to Mattermost failed: no response from 127\.0\.0\.1:\d+ within 1000 ms$/,
    );
    expect((await app.query(nodeRequest({}, api))).body.error).toBe("mattermost: HTTP 500 Internal Server Error: bad token ***");
  });

  it("refuses a self-signed certificate unless verify_tls is false", async () => {
    const tls = await startStandIn({ tls: true, handler: contract });
    try {
      const params = { ...api, mattermost_hostname: `${tls.url}${PREFIX}` };
      expect((await app.query(nodeRequest({}, params))).body.error).toMatch(
        /^mattermost: posting to Mattermost failed: TLS error .*self-signed/,
      );
      expect(tls.requests).toHaveLength(0);
      expect((await app.query(nodeRequest({}, { ...params, verify_tls: "false" }))).body).toEqual({ data: true });
      expect(tls.last().path).toBe("/mattermost/api/v4/posts");
    } finally {
      await tls.close();
    }
  });
});

describe("mattermost webhook mode", () => {
  it("POSTs {text} to the webhook, ignoring the API parameters", async () => {
    const r = await app.query(
      nodeRequest({}, { ...api, bot_access_token: "", webhook_url: `${mm.url}${HOOK_PATH}`, message_template: "hello" }),
    );
    expect(r.body).toEqual({ data: true });
    expect(mm.last().path).toBe(HOOK_PATH);
    expect(mm.last().headers.authorization).toBeUndefined();
    expect(JSON.parse(mm.last().body)).toEqual({ text: "hello" });
  });

  it("reports webhook failures without the webhook URL", async () => {
    const wrong = `${mm.url}${PREFIX}/hooks/unknownhookid1234567890ab`;
    const r = await app.query(nodeRequest({}, { webhook_url: wrong }));
    expect(r.body.error).toBe("mattermost: HTTP 404 Not Found: Sorry, we could not find the page.");
    mm.script({ status: 400, body: "Unable to parse incoming data" });
    expect((await app.query(nodeRequest({}, { webhook_url: `${mm.url}${HOOK_PATH}` }))).body.error).toBe(
      "mattermost: HTTP 400 Bad Request: Unable to parse incoming data",
    );
    const port = await closedPort();
    const refused = await app.query(nodeRequest({}, { webhook_url: `http://127.0.0.1:${port}/hooks/s3cr3thookid` }));
    expect(refused.body.error).toMatch(/^mattermost: posting to the Mattermost webhook failed: connection refused/);
    expect(refused.body.error).not.toContain("s3cr3thookid");
  });
});

describe("mattermost end to end with every roaming fixture", () => {
  it.each(ROAMING_FIXTURES)("%s (API and webhook)", async (name) => {
    const data = roaming(name) as { Event: { id: string; info: string } };
    expect((await app.query(nodeRequest(data, api))).body).toEqual({ data: true });
    const message = JSON.parse(mm.last().body).message as string;
    expect(message.split("\n")[0]).toBe(`[MISP] Event ${data.Event.id}: ${data.Event.info}`);
    expect((await app.query(nodeRequest(data, { webhook_url: `${mm.url}${HOOK_PATH}` }))).body).toEqual({ data: true });
    expect(JSON.parse(mm.last().body)).toEqual({ text: message });
  });
});
