import { createHmac } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import def from "../../../src/modules/action/nextcloud_talk.js";
import { ROAMING_FIXTURES, roaming, startTestApp, type TestApp } from "../../helpers/app.js";
import { closedPort, failures, HANG, startStandIn, type RecordedRequest, type Reply, type StandIn } from "../../helpers/stand-in.js";
import { nodeRequest as mispActionBody } from "../../helpers/misp-request.js";

// A Nextcloud Talk stand-in enforcing the chat API (POST .../api/v1/chat/{token}, Basic auth,
// OCS-APIRequest header, JSON {message, ...}) and the bot API (POST .../api/v1/bot/{token}/message,
// X-Nextcloud-Talk-Bot-Random/-Signature = hex HMAC-SHA256(secret, random + message)), both
// answering 201 with an OCS envelope, failures with an OCS "failure" envelope.

const LOGIN = "misp-bot";
const APP_PASSWORD = "Xk2Lp-9QwEr-TyUi0-PaSdF-GhJkL";
const BOT_SECRET = "b0t-shared-secret-0123456789abcdef0123456789";
const CONVERSATION = "a1b2c3d4";
const PREFIX = "/nextcloud";
const CHAT = `${PREFIX}/ocs/v2.php/apps/spreed/api/v1/chat/${CONVERSATION}`;
const BOT = `${PREFIX}/ocs/v2.php/apps/spreed/api/v1/bot/${CONVERSATION}/message`;

const ChatMessage = z.object({
  message: z.string().min(1).max(32_000),
  actorDisplayName: z.string().optional(),
  referenceId: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  replyTo: z.number().int().optional(),
  silent: z.boolean().optional(),
});
const BotMessage = z.object({
  message: z.string().min(1).max(32_000),
  referenceId: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  replyTo: z.number().int().optional(),
  silent: z.boolean().optional(),
});

function ocs(status: number, message = "", data: unknown = []): Reply {
  const ok = status >= 200 && status < 300;
  return { status, body: { ocs: { meta: { status: ok ? "ok" : "failure", statuscode: status, message: ok ? "OK" : message }, data } } };
}

function common(req: RecordedRequest): Reply | undefined {
  if (req.method !== "POST") return ocs(405, "Method not allowed");
  if (req.headers["ocs-apirequest"] !== "true") return { status: 412, body: { message: "CSRF check failed" } };
  if (req.headers["content-type"] !== "application/json") return ocs(400, "Invalid content type");
  if (!String(req.headers.accept).includes("application/json")) return { status: 400, body: "<xml>wrong format</xml>" };
  return undefined;
}

function contract(req: RecordedRequest): Reply {
  const bad = common(req);
  if (bad) return bad;
  let json: unknown;
  try {
    json = JSON.parse(req.body);
  } catch {
    return ocs(400, "Invalid JSON");
  }
  if (req.path === CHAT) {
    const expected = `Basic ${Buffer.from(`${LOGIN}:${APP_PASSWORD}`).toString("base64")}`;
    if (req.headers.authorization !== expected) return ocs(401, "Current user is not logged in");
    const parsed = ChatMessage.safeParse(json);
    if (!parsed.success) return ocs(400, "Invalid message");
    return ocs(201, "", { id: 42, message: parsed.data.message, actorId: LOGIN, silent: parsed.data.silent ?? false });
  }
  if (req.path === BOT) {
    const random = String(req.headers["x-nextcloud-talk-bot-random"] ?? "");
    const signature = String(req.headers["x-nextcloud-talk-bot-signature"] ?? "");
    const parsed = BotMessage.safeParse(json);
    if (!parsed.success) return ocs(400, "Invalid message");
    const expected = createHmac("sha256", BOT_SECRET)
      .update(random + parsed.data.message)
      .digest("hex");
    if (random.length < 32 || signature !== expected) return ocs(401, "Bot signature invalid");
    return ocs(201);
  }
  return ocs(404, "Conversation not found");
}

function nodeRequest(data: unknown, values: Record<string, string>, extra: Record<string, unknown> = {}) {
  return mispActionBody("nextcloud_talk", def, data, values, { filteredItems: data, ...extra });
}

let app: TestApp;
let nc: StandIn;
let user: Record<string, string>;
let bot: Record<string, string>;

beforeAll(async () => {
  nc = await startStandIn();
  app = await startTestApp({ http: { timeoutMs: 1000 } });
  user = {
    nextcloud_baseurl: `${nc.url}${PREFIX}/`,
    nextcloud_app_uuid_login: LOGIN,
    app_access_token: APP_PASSWORD,
    nextcloud_conversation_token: CONVERSATION,
  };
  bot = { nextcloud_baseurl: `${nc.url}${PREFIX}`, nextcloud_conversation_token: CONVERSATION, bot_secret: BOT_SECRET };
}, 120_000); // app start-up can be slow on a loaded machine
afterAll(async () => {
  await app.close();
  await nc.close();
});
beforeEach(() => {
  nc.reset();
  nc.handle(contract);
});

describe("nextcloud_talk descriptor", () => {
  it("keeps the reference parameters and adds bot_secret, silent, verify_tls", async () => {
    const list = (await (await fetch(`${app.url}/modules`)).json()) as Array<{ name: string; meta: Record<string, unknown> }>;
    const d = list.find((m) => m.name === "nextcloud_talk")!;
    expect([d.meta.icon, d.meta.icon_class]).toEqual(["comment-dots", "fas"]);
    const config = d.meta.config as {
      params: Record<string, { type: string; value?: string; jinja_supported?: boolean }>;
      support_filters: boolean;
    };
    expect(Object.keys(config.params)).toEqual([
      "nextcloud_baseurl",
      "nextcloud_app_uuid_login",
      "app_access_token",
      "nextcloud_conversation_token",
      "message_template",
      "bot_secret",
      "silent",
      "verify_tls",
      "delivery",
    ]);
    expect(config.params.nextcloud_baseurl.value).toBe("https://cloud.example.org");
    expect(config.params.message_template).toMatchObject({ type: "large_string", jinja_supported: true });
    expect(config.params.silent.value).toBe("false");
    expect(config.params.verify_tls.value).toBe("true");
    expect(config.support_filters).toBe(true);
  });
});

describe("nextcloud_talk user mode", () => {
  it("posts to the chat API with Basic auth and the OCS header (no // from a trailing slash)", async () => {
    const r = await app.query(
      nodeRequest(roaming("event-publish-onion-pap-red"), { ...user, message_template: "New event: Darknet marketplace mirror list" }),
    );
    expect(r.body).toEqual({ data: true });
    const req = nc.last();
    expect(req.path).toBe(CHAT);
    expect(req.headers["ocs-apirequest"]).toBe("true");
    expect(JSON.parse(req.body)).toEqual({ message: "New event: Darknet marketplace mirror list" });
  });

  it("sends silent: true only when asked", async () => {
    await app.query(nodeRequest({}, { ...user, silent: "yes" }));
    expect(JSON.parse(nc.last().body).silent).toBe(true);
    await app.query(nodeRequest({}, { ...user, silent: "off" }));
    expect("silent" in JSON.parse(nc.last().body)).toBe(false);
  });

  it("cuts messages to 32000 characters", async () => {
    await app.query(nodeRequest({}, { ...user, message_template: "z".repeat(40_000) }));
    const message = JSON.parse(nc.last().body).message as string;
    expect(message).toHaveLength(32_000);
    expect(message.endsWith("… (truncated)")).toBe(true);
  });

  it("names missing parameters without any request", async () => {
    expect((await app.query(nodeRequest({}, { nextcloud_baseurl: "cloud.example.org" }))).body).toEqual({
      error:
        "nextcloud_talk: missing parameters nextcloud_app_uuid_login, app_access_token, nextcloud_conversation_token (or set bot_secret)",
    });
    expect((await app.query(nodeRequest({}, { bot_secret: BOT_SECRET, nextcloud_conversation_token: CONVERSATION }))).body).toEqual({
      error: "nextcloud_talk: missing parameter nextcloud_baseurl",
    });
    expect(nc.requests).toHaveLength(0);
  });

  it("reports wrong credentials, unknown conversations and other failures with the OCS message", async () => {
    expect((await app.query(nodeRequest({}, { ...user, app_access_token: "wrong-app-password" }))).body).toEqual({
      error: "nextcloud_talk: HTTP 401 Unauthorized: Current user is not logged in",
    });
    expect((await app.query(nodeRequest({}, { ...user, nextcloud_conversation_token: "zzzz9999" }))).body).toEqual({
      error: "nextcloud_talk: HTTP 404 Not Found: Conversation not found",
    });
    nc.script(
      ocs(403, "Read-only conversation"),
      ocs(412, "Lobby is active"),
      ocs(413, "Message too long"),
      {
        ...failures.rateLimited(60),
        body: { ocs: { meta: { status: "failure", statuscode: 429, message: "Reached the rate limit" }, data: [] } },
      },
      failures.serverError("<html>oops</html>"),
    );
    const errors: unknown[] = [];
    for (let i = 0; i < 5; i++) errors.push((await app.query(nodeRequest({}, user))).body.error);
    expect(errors).toEqual([
      "nextcloud_talk: HTTP 403 Forbidden: Read-only conversation",
      "nextcloud_talk: HTTP 412 Precondition Failed: Lobby is active",
      "nextcloud_talk: HTTP 413 Payload Too Large: Message too long",
      "nextcloud_talk: HTTP 429 Too Many Requests, rate limited, retry after 60 s: Reached the rate limit",
      "nextcloud_talk: HTTP 500 Internal Server Error: <html>oops</html>",
    ]);
  });

  it("treats an OCS failure inside a 2xx answer as a failure", async () => {
    nc.script({
      status: 200,
      body: { ocs: { meta: { status: "failure", statuscode: 997, message: "Current user is not logged in" }, data: [] } },
    });
    expect((await app.query(nodeRequest({}, user))).body).toEqual({ error: "nextcloud_talk: HTTP 200 OK: Current user is not logged in" });
  });

  it("keeps credentials out of errors, fails on hang and refused connections", async () => {
    nc.script(failures.serverError(`echo ${APP_PASSWORD} ${Buffer.from(`${LOGIN}:${APP_PASSWORD}`).toString("base64")}`), HANG);
    expect((await app.query(nodeRequest({}, user))).body.error).toBe("nextcloud_talk: HTTP 500 Internal Server Error: echo *** ***");
    expect((await app.query(nodeRequest({}, user))).body.error).toMatch(
      /^nextcloud_talk: posting to Nextcloud Talk failed: no response from 127\.0\.0\.1:\d+ within 1000 ms$/,
    );
    const port = await closedPort();
    expect((await app.query(nodeRequest({}, { ...user, nextcloud_baseurl: `http://127.0.0.1:${port}` }))).body.error).toMatch(
      /^nextcloud_talk: posting to Nextcloud Talk failed: connection refused/,
    );
  });

  it("refuses a self-signed certificate unless verify_tls is false", async () => {
    const tls = await startStandIn({ tls: true, handler: contract });
    try {
      const params = { ...user, nextcloud_baseurl: `127.0.0.1:${tls.port}${PREFIX}` };
      expect((await app.query(nodeRequest({}, params))).body.error).toMatch(
        /^nextcloud_talk: posting to Nextcloud Talk failed: TLS error .*self-signed/,
      );
      expect((await app.query(nodeRequest({}, { ...params, verify_tls: "false" }))).body).toEqual({ data: true });
      expect(tls.requests).toHaveLength(1);
    } finally {
      await tls.close();
    }
  });
});

describe("nextcloud_talk bot mode", () => {
  it("signs random + message with the bot secret and sends a referenceId", async () => {
    const r = await app.query(
      nodeRequest(roaming("event-publish-tlp-red"), {
        ...bot,
        nextcloud_app_uuid_login: LOGIN,
        app_access_token: "ignored",
        message_template: "Bot says: ransomware C2",
      }),
    );
    expect(r.body).toEqual({ data: true });
    const req = nc.last();
    expect(req.path).toBe(BOT);
    expect(req.headers.authorization).toBeUndefined();
    const random = String(req.headers["x-nextcloud-talk-bot-random"]);
    expect(random).toMatch(/^[0-9a-f]{64}$/);
    expect(req.headers["x-nextcloud-talk-bot-signature"]).toBe(
      createHmac("sha256", BOT_SECRET)
        .update(random + "Bot says: ransomware C2")
        .digest("hex"),
    );
    const body = JSON.parse(req.body);
    expect(body.message).toBe("Bot says: ransomware C2");
    expect(body.referenceId).toMatch(/^[0-9a-f]{64}$/);
    await app.query(nodeRequest({}, bot));
    expect(nc.last().headers["x-nextcloud-talk-bot-random"]).not.toBe(random);
  });

  it("reports a wrong bot secret", async () => {
    expect((await app.query(nodeRequest({}, { ...bot, bot_secret: "not-the-secret-of-this-bot" }))).body).toEqual({
      error: "nextcloud_talk: HTTP 401 Unauthorized: Bot signature invalid",
    });
  });
});

describe("nextcloud_talk end to end with every roaming fixture", () => {
  it.each(ROAMING_FIXTURES)("%s (user and bot)", async (name) => {
    const data = roaming(name) as { Event: { id: string; info: string } };
    expect((await app.query(nodeRequest(data, user))).body).toEqual({ data: true });
    const message = JSON.parse(nc.last().body).message as string;
    expect(message.split("\n")[0]).toBe(`[MISP] Event ${data.Event.id}: ${data.Event.info}`);
    expect((await app.query(nodeRequest(data, bot))).body).toEqual({ data: true });
    expect(JSON.parse(nc.last().body).message).toBe(message);
  });
});
