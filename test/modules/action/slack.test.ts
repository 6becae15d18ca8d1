import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import def from "../../../src/modules/action/slack.js";
import { ROAMING_FIXTURES, roaming, startTestApp, type TestApp } from "../../helpers/app.js";
import { failures, HANG, startStandIn, type Reply, type StandIn } from "../../helpers/stand-in.js";
import { nodeRequest as mispActionBody } from "../../helpers/misp-request.js";

// A Slack stand-in that enforces the documented contracts of chat.postMessage
// (https://api.slack.com/methods/chat.postMessage) and of incoming webhooks
// (https://api.slack.com/messaging/webhooks), answering like Slack does: API errors as
// HTTP 200 {"ok": false, "error": code}, webhook errors as a status with a plain-text code.

const TOKEN = "xoxb-1111-2222-stand1n5ecret";
const CHANNEL = "C0123ABCD";
const HOOK_PATH = "/services/T0001/B0002/h00kS3cretPart";

// chat.postMessage arguments (JSON body): channel required; text, blocks or attachments.
const PostMessage = z
  .object({
    channel: z.string().min(1),
    text: z.string().optional(),
    blocks: z.array(z.unknown()).optional(),
    attachments: z.array(z.unknown()).optional(),
    mrkdwn: z.boolean().optional(),
    thread_ts: z.string().optional(),
  })
  .refine((b) => b.text !== undefined || b.blocks !== undefined || b.attachments !== undefined, "no_text");
// Incoming webhook payload.
const WebhookPayload = z.object({ text: z.string().min(1), blocks: z.array(z.unknown()).optional() });

function api(req: { headers: Record<string, string | string[] | undefined>; body: string; path: string }): Reply {
  if (req.path !== "/api/chat.postMessage") return { status: 404, body: "unknown method" };
  const auth = req.headers.authorization;
  if (auth === undefined) return { status: 200, body: { ok: false, error: "not_authed" } };
  if (auth !== `Bearer ${TOKEN}`) return { status: 200, body: { ok: false, error: "invalid_auth" } };
  if (!String(req.headers["content-type"]).startsWith("application/json"))
    return { status: 200, body: { ok: false, error: "invalid_arguments" } };
  let json: unknown;
  try {
    json = JSON.parse(req.body);
  } catch {
    return { status: 200, body: { ok: false, error: "invalid_json" } };
  }
  const parsed = PostMessage.safeParse(json);
  if (!parsed.success)
    return {
      status: 200,
      body: { ok: false, error: "invalid_arguments", response_metadata: { messages: ["[ERROR] missing required field: channel"] } },
    };
  if (parsed.data.channel !== CHANNEL) return { status: 200, body: { ok: false, error: "channel_not_found" } };
  if ((parsed.data.text ?? "").length > 40_000) return { status: 200, body: { ok: false, error: "msg_too_long" } };
  return {
    status: 200,
    body: { ok: true, channel: CHANNEL, ts: "1729430000.000100", message: { text: parsed.data.text, type: "message" } },
  };
}

function webhook(req: { headers: Record<string, string | string[] | undefined>; body: string; path: string }): Reply {
  if (req.path !== HOOK_PATH) return { status: 404, body: "no_service" };
  if (!String(req.headers["content-type"]).startsWith("application/json")) return { status: 400, body: "invalid_payload" };
  let json: unknown;
  try {
    json = JSON.parse(req.body);
  } catch {
    return { status: 400, body: "invalid_payload" };
  }
  if (!WebhookPayload.safeParse(json).success) return { status: 400, body: "no_text" };
  return { status: 200, body: "ok" };
}

function nodeRequest(data: unknown, values: Record<string, string>, extra: Record<string, unknown> = {}) {
  return mispActionBody("slack", def, data, values, { filteredItems: data, ...extra });
}

let app: TestApp;
let slack: StandIn;
let hookUrl: string;

beforeAll(async () => {
  slack = await startStandIn();
  hookUrl = `${slack.url}${HOOK_PATH}`;
  app = await startTestApp(
    { http: { timeoutMs: 1000 }, modules: { slack: { api_url: `${slack.url}/api` } } },
    { env: { MISP_MODULES_SECRET_SLACK_BOT: TOKEN } },
  );
}, 120_000); // app start-up can be slow on a loaded machine
afterAll(async () => {
  await app.close();
  await slack.close();
});
beforeEach(() => {
  slack.reset();
  slack.handle((req) => (req.path.startsWith("/api/") ? api(req) : webhook(req)));
});

const apiParams = { slack_bot_token: TOKEN, channel_id: CHANNEL };

describe("slack descriptor", () => {
  it("keeps the reference parameters, adds webhook_url, supports filters", async () => {
    const list = (await (await fetch(`${app.url}/modules`)).json()) as Array<{ name: string; meta: Record<string, unknown> }>;
    const d = list.find((m) => m.name === "slack")!;
    expect([d.meta.icon, d.meta.icon_class]).toEqual(["slack", "fab"]);
    const config = d.meta.config as {
      params: Record<string, { type: string; value?: string; jinja_supported?: boolean }>;
      support_filters: boolean;
    };
    expect(Object.keys(config.params)).toEqual(["slack_bot_token", "channel_id", "message_template", "webhook_url", "delivery"]);
    expect(config.params.message_template).toMatchObject({ type: "large_string", jinja_supported: true });
    expect(config.params.slack_bot_token.type).toBe("string");
    expect(config.params.webhook_url.jinja_supported).toBeUndefined();
    expect(config.support_filters).toBe(true);
  });
});

describe("slack chat.postMessage", () => {
  it("posts the rendered template as is, with the bot token", async () => {
    const template = "*MISP* event <https://misp.example/events/view/1201|1201> {{ not rendered again }}";
    const r = await app.query(nodeRequest(roaming("event-publish-tlp-red"), { ...apiParams, message_template: template }));
    expect(r.body).toEqual({ data: true });
    const req = slack.last();
    expect(req.method).toBe("POST");
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(JSON.parse(req.body)).toEqual({ channel: CHANNEL, text: template });
  });

  it("sends the escaped summary when the template is empty", async () => {
    const data = { Event: { id: "9", info: "A & B <script>", threat_level_id: "2", _AttributeFlattened: [] } };
    await app.query(nodeRequest(data, apiParams));
    expect(JSON.parse(slack.last().body).text).toBe("[MISP] Event 9: A &amp; B &lt;script&gt;\nThreat level: Medium\nAttributes: 0");
  });

  it("appends the filtered items to the summary when the node filter kept some", async () => {
    const data = roaming("event-publish-minimal-no-tags");
    const kept = { "1": { type: "sha256", value: "abc" } };
    await app.query(nodeRequest(data, apiParams, { filteredItems: kept }));
    expect(JSON.parse(slack.last().body).text).toMatch(/\nAttributes: 1 \(sha256: 1\)\n\[\{"type":"sha256","value":"abc"\}\]$/);
    await app.query(nodeRequest(data, apiParams));
    expect(JSON.parse(slack.last().body).text).toMatch(/Attributes: 1 \(sha256: 1\)$/);
  });

  it("cuts a long message to 39000 characters with a marker", async () => {
    await app.query(nodeRequest({}, { ...apiParams, message_template: "x".repeat(60_000) }));
    const text = JSON.parse(slack.last().body).text as string;
    expect(text).toHaveLength(39_000);
    expect(text.endsWith("… (truncated)")).toBe(true);
  });

  it("resolves a secret:NAME token on the server", async () => {
    expect((await app.query(nodeRequest({}, { ...apiParams, slack_bot_token: "secret:SLACK_BOT" }))).body).toEqual({ data: true });
    expect(slack.last().headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("names missing parameters without calling Slack", async () => {
    expect((await app.query(nodeRequest({}, {}))).body).toEqual({
      error: "slack: missing parameters slack_bot_token, channel_id (or set webhook_url)",
    });
    expect((await app.query(nodeRequest({}, { slack_bot_token: TOKEN }))).body).toEqual({
      error: "slack: missing parameter channel_id (or set webhook_url)",
    });
    expect(slack.requests).toHaveLength(0);
  });

  it("reports Slack's error codes instead of success", async () => {
    expect((await app.query(nodeRequest({}, { ...apiParams, slack_bot_token: "xoxb-wrong-token" }))).body).toEqual({
      error: "slack: invalid_auth",
    });
    expect((await app.query(nodeRequest({}, { ...apiParams, channel_id: "C999" }))).body).toEqual({ error: "slack: channel_not_found" });
    slack.script({ status: 200, body: { ok: false, error: "not_in_channel" } });
    expect((await app.query(nodeRequest({}, apiParams))).body).toEqual({ error: "slack: not_in_channel" });
    slack.script({
      status: 200,
      body: { ok: false, error: "invalid_arguments", response_metadata: { messages: ["[ERROR] missing required field: channel"] } },
    });
    expect((await app.query(nodeRequest({}, apiParams))).body).toEqual({
      error: "slack: invalid_arguments ([ERROR] missing required field: channel)",
    });
  });

  it("reports HTTP failures: 401, 403, 404, 413, 429 with Retry-After, 500, non-JSON", async () => {
    slack.script(
      failures.unauthorized({ ok: false, error: "invalid_auth" }),
      failures.forbidden("<html>forbidden</html>"),
      failures.notFound(),
      failures.tooLarge(),
      failures.rateLimited(30, { ok: false, error: "ratelimited" }),
      failures.serverError(),
      { status: 200, body: "<html>maintenance</html>" },
    );
    const errors: unknown[] = [];
    for (let i = 0; i < 7; i++) errors.push((await app.query(nodeRequest({}, apiParams))).body.error);
    expect(errors).toEqual([
      "slack: HTTP 401 Unauthorized: invalid_auth",
      "slack: HTTP 403 Forbidden: <html>forbidden</html>",
      "slack: HTTP 404 Not Found: Not Found",
      "slack: HTTP 413 Payload Too Large: Payload Too Large",
      "slack: HTTP 429 Too Many Requests, rate limited, retry after 30 s: ratelimited",
      "slack: HTTP 500 Internal Server Error: Internal Server Error",
      "slack: unexpected answer from Slack (HTTP 200 OK): <html>maintenance</html>",
    ]);
  });

  it("never shows the token, even when Slack echoes it", async () => {
    slack.script(failures.serverError(`token ${TOKEN} rejected`));
    const r = await app.query(nodeRequest({}, apiParams));
    expect(r.body.error).toBe("slack: HTTP 500 Internal Server Error: token *** rejected");
  });

  it("fails on a hang, a self-signed certificate and a refused connection", { timeout: 120_000 }, async () => {
    slack.script(HANG);
    expect((await app.query(nodeRequest({}, apiParams))).body.error).toMatch(
      /^slack: posting to Slack failed: no response from 127\.0\.0\.1:\d+ within 1000 ms$/,
    );
    const tls = await startStandIn({ tls: true, handler: api });
    const secure = await startTestApp({ http: { timeoutMs: 1000 }, modules: { slack: { api_url: `${tls.url}/api` } } });
    try {
      expect((await secure.query(nodeRequest({}, apiParams))).body.error).toMatch(
        /^slack: posting to Slack failed: TLS error .*self-signed/,
      );
      expect(tls.requests).toHaveLength(0);
      await tls.close();
      // Nothing listens on that port any more.
      expect((await secure.query(nodeRequest({}, apiParams))).body.error).toMatch(/^slack: posting to Slack failed: connection refused/);
    } finally {
      await secure.close();
      await tls.close().catch(() => undefined);
    }
  });
});

describe("slack incoming webhook", () => {
  it("posts {text} to the webhook and ignores token/channel", async () => {
    const r = await app.query(
      nodeRequest(roaming("event-publish-tlp-white"), { webhook_url: hookUrl, message_template: "Published: OSINT" }),
    );
    expect(r.body).toEqual({ data: true });
    const req = slack.last();
    expect(req.path).toBe(HOOK_PATH);
    expect(req.headers.authorization).toBeUndefined();
    expect(req.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(req.body)).toEqual({ text: "Published: OSINT" });
  });

  it("reports Slack's plain-text codes without revealing the webhook URL", async () => {
    slack.script(
      { status: 403, body: "action_prohibited" },
      { status: 410, body: "channel_is_archived" },
      failures.rateLimited(5, "rate_limited"),
    );
    const errors: string[] = [];
    for (let i = 0; i < 3; i++) errors.push((await app.query(nodeRequest({}, { webhook_url: hookUrl }))).body.error as string);
    expect(errors).toEqual([
      "slack: HTTP 403 Forbidden: action_prohibited",
      "slack: HTTP 410 Gone: channel_is_archived",
      "slack: HTTP 429 Too Many Requests, rate limited, retry after 5 s: rate_limited",
    ]);
    slack.script({ status: 200, body: "<html>captive portal</html>" }, { status: 200, body: { ok: true } });
    expect((await app.query(nodeRequest({}, { webhook_url: hookUrl }))).body.error).toBe(
      "slack: unexpected answer from the Slack webhook (HTTP 200 OK): <html>captive portal</html>",
    );
    expect((await app.query(nodeRequest({}, { webhook_url: hookUrl }))).body).toEqual({ data: true });
    const wrong = await app.query(nodeRequest({}, { webhook_url: `${slack.url}/services/T0001/B0002/wrongS3cret` }));
    expect(wrong.body).toEqual({ error: "slack: HTTP 404 Not Found: no_service" });
    slack.script(HANG);
    const hung = await app.query(nodeRequest({}, { webhook_url: hookUrl }));
    expect(hung.body.error).toMatch(/^slack: posting to the Slack webhook failed: no response/);
    for (const e of [...errors, wrong.body.error, hung.body.error] as string[]) {
      expect(e).not.toContain("h00kS3cretPart");
      expect(e).not.toContain("wrongS3cret");
    }
  });
});

describe("slack end to end with every roaming fixture", () => {
  it.each(ROAMING_FIXTURES)("%s (API and webhook)", async (name) => {
    const data = roaming(name) as { Event: { id: string; info: string } };
    expect((await app.query(nodeRequest(data, apiParams))).body).toEqual({ data: true });
    const text = JSON.parse(slack.last().body).text as string;
    expect(text.split("\n")[0]).toBe(
      `[MISP] Event ${data.Event.id}: ${data.Event.info.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")}`,
    );
    expect((await app.query(nodeRequest(data, { webhook_url: hookUrl }))).body).toEqual({ data: true });
    expect(JSON.parse(slack.last().body)).toEqual({ text });
  });
});
