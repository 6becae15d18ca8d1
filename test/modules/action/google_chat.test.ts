import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import def from "../../../src/modules/action/google_chat.js";
import { ROAMING_FIXTURES, roaming, startTestApp, type TestApp } from "../../helpers/app.js";
import { cliQuery, nodeRequest } from "../../helpers/action-node.js";
import { failures, startStandIn, type StandIn } from "../../helpers/stand-in.js";
import { GCHAT_KEY, GCHAT_SPACE, GCHAT_TOKEN, googleChatStandIn } from "./stand-ins/google-chat.js";
import { transportErrors } from "./stand-ins/transport.js";

let app: TestApp;
let chat: StandIn;
let created: () => number;
const hook = (base: string, token = GCHAT_TOKEN) =>
  `${base}/v1/spaces/${GCHAT_SPACE}/messages?key=${GCHAT_KEY}&token=${encodeURIComponent(token)}`;

const request = (data: unknown, values: Record<string, string> = {}) =>
  nodeRequest("google_chat", def, data, { webhook_url: hook(chat.url), ...values });
const sent = () => JSON.parse(chat.last().body) as Record<string, any>;

beforeAll(async () => {
  chat = await startStandIn();
  app = await startTestApp(
    { http: { timeoutMs: 1000 }, modules: { google_chat: { misp_base_url: "https://misp.example.org" } } },
    { env: { MISP_MODULES_SECRET_GCHAT: hook(chat.url) } },
  );
}, 120_000);
afterAll(async () => {
  await app.close();
  await chat.close();
});
beforeEach(() => {
  chat.reset();
  const s = googleChatStandIn();
  created = s.created;
  chat.handle(s.handler);
});

describe("google_chat", () => {
  it("descriptor: secret webhook URL, jinja title/message/thread key, valid placeholders", async () => {
    const list = (await (await fetch(`${app.url}/modules`)).json()) as Array<{ name: string; meta: Record<string, any> }>;
    const params = list.find((m) => m.name === "google_chat")!.meta.config.params as Record<
      string,
      { type: string; value?: string; jinja_supported?: boolean }
    >;
    expect(Object.keys(params)).toEqual(["webhook_url", "title", "message_template", "format", "thread_key", "delivery"]);
    expect([params.title!.jinja_supported, params.message_template!.jinja_supported, params.thread_key!.jinja_supported]).toEqual([
      true,
      true,
      true,
    ]);
    expect(params.format!.value).toBe("text");
  });

  it("posts the summary as text with a requestId; a resend of the same message is posted once", async () => {
    const data = roaming("event-publish-tlp-red") as { Event: Record<string, any> };
    expect((await app.query(request(data))).body).toEqual({ data: true });
    const first = chat.last();
    expect(first.headers["content-type"]).toBe("application/json; charset=UTF-8");
    expect(sent().text.split("\n")[0]).toBe(`[MISP] Event 1201: ${data.Event.info}`);
    expect(first.query.get("requestId")).toMatch(/^misp-[0-9a-f]{32}$/);
    expect((await app.query(request(data))).body).toEqual({ data: true });
    expect(chat.last().query.get("requestId")).toBe(first.query.get("requestId"));
    expect(created()).toBe(1);
  });

  it("card format: header, escaped summary, threat level, Open in MISP button; thread key", async () => {
    const data = roaming("event-publish-mixed-galaxy-objects") as { Event: Record<string, any> };
    const r = await app.query(request(data, { format: "card", thread_key: `misp-event-${data.Event.uuid}` }));
    expect(r.body).toEqual({ data: true });
    const card = sent().cardsV2[0].card;
    expect(card.header).toEqual({ title: `[MISP] Event ${data.Event.id}: ${data.Event.info}`, subtitle: data.Event.Orgc.name });
    const widgets = card.sections[0].widgets;
    expect(widgets[0].textParagraph.text).toContain("UUID: ");
    expect(widgets[1]).toEqual({ decoratedText: { topLabel: "Threat level", text: "High" } });
    expect(widgets[2].buttonList.buttons[0]).toEqual({
      text: "Open in MISP",
      onClick: { openLink: { url: `https://misp.example.org/events/view/${data.Event.id}` } },
    });
    expect(chat.last().query.get("threadKey")).toBe(`misp-event-${data.Event.uuid}`);
    expect(chat.last().query.get("messageReplyOption")).toBe("REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD");
  });

  it("escapes HTML of the summary in cards, keeps the template as is; cuts to the limits", async () => {
    await app.query(request({ Event: { id: "5", info: "a <b> & c", uuid: "u-1" } }, { format: "card" }));
    expect(sent().cardsV2[0].card.header.title).toBe("[MISP] Event 5: a <b> & c");
    await app.query(request({}, { format: "card", title: "T", message_template: "<b>bold</b>" }));
    expect(sent().cardsV2[0].card.sections[0].widgets[0].textParagraph.text).toBe("<b>bold</b>");
    await app.query(request({}, { message_template: "x".repeat(10_000) }));
    expect(sent().text.length).toBeLessThanOrEqual(4096);
    expect((await app.query(request({}, { format: "card", title: "T", message_template: '"'.repeat(40_000) }))).body).toEqual({
      data: true,
    });
    expect(Buffer.byteLength(chat.last().body)).toBeLessThanOrEqual(32_000);
  });

  it("secret:NAME webhook; refuses a URL that is not a Chat webhook", async () => {
    expect((await app.query(request({}, { webhook_url: "secret:GCHAT", message_template: "hi" }))).body).toEqual({ data: true });
    chat.reset();
    expect((await app.query(request({}, { webhook_url: `${chat.url}/hooks/x` }))).body.error).toMatch(
      /webhook_url.*must be a Google Chat webhook URL/,
    );
    expect(chat.requests).toHaveLength(0);
  });

  it("reports Google's error text without the key or token: 400, 401, 403, 404, 429 with and without Retry-After, 5xx", async () => {
    const badToken = await app.query(request({}, { webhook_url: hook(chat.url, "wrong") }));
    expect(badToken.body.error).toBe(
      "google_chat: HTTP 401 Unauthorized: UNAUTHENTICATED: Request had invalid authentication credentials.",
    );
    const badKey = await app.query(request({}, { webhook_url: hook(chat.url).replace(GCHAT_KEY, "AIzaWrong") }));
    expect(badKey.body.error).toBe("google_chat: HTTP 400 Bad Request: INVALID_ARGUMENT: API key not valid. Please pass a valid API key.");
    const exhausted = { error: { code: 429, message: "Resource has been exhausted (e.g. check quota).", status: "RESOURCE_EXHAUSTED" } };
    chat.script(
      failures.forbidden({
        error: { code: 403, message: `The caller does not have permission (token ${GCHAT_TOKEN})`, status: "PERMISSION_DENIED" },
      }),
      { status: 404, body: { error: { code: 404, message: "Requested entity was not found.", status: "NOT_FOUND" } } },
      failures.rateLimited(30, exhausted),
      // The requestId (from the delivery id here: no event UUID) makes resending safe: a 429
      // without Retry-After is tried three times within the request (a 500 is not resent).
      ...Array(3).fill({ status: 429, body: exhausted }),
      failures.serverError({ error: { code: 500, message: "Internal error encountered.", status: "INTERNAL" } }),
      { status: 200, body: "<html>proxy login</html>" },
    );
    const errors: string[] = [];
    for (let i = 0; i < 6; i++) errors.push((await app.query(request({}, { message_template: "m" }))).body.error as string);
    expect(errors).toEqual([
      "google_chat: HTTP 403 Forbidden: PERMISSION_DENIED: The caller does not have permission (token ***)",
      "google_chat: HTTP 404 Not Found: NOT_FOUND: Requested entity was not found.",
      "google_chat: HTTP 429 Too Many Requests, rate limited by Google Chat, retry after 30 s: RESOURCE_EXHAUSTED: Resource has been exhausted (e.g. check quota).",
      "google_chat: HTTP 429 Too Many Requests, rate limited by Google Chat: RESOURCE_EXHAUSTED: Resource has been exhausted (e.g. check quota).",
      "google_chat: HTTP 500 Internal Server Error: INTERNAL: Internal error encountered.",
      "google_chat: unexpected answer from Google Chat (HTTP 200 OK): <html>proxy login</html>",
    ]);
    for (const e of [...errors, badKey.body.error as string]) expect(e).not.toContain(GCHAT_TOKEN);
  });

  it("fails on a hang, a self-signed certificate and a refused connection", { timeout: 60_000 }, async () => {
    const e = await transportErrors(
      app,
      (url) => request({}, { webhook_url: hook(url), message_template: "m" }),
      googleChatStandIn().handler,
    );
    expect(e.hang).toMatch(/^google_chat: posting to the Google Chat webhook failed: no response from 127\.0\.0\.1:\d+ within 1000 ms/);
    expect(e.selfSigned).toMatch(/^google_chat: posting to the Google Chat webhook failed: TLS error .*self-signed/);
    expect(e.selfSignedRequests).toBe(0);
    expect(e.refused).toMatch(/^google_chat: posting to the Google Chat webhook failed: connection refused/);
  });

  it.each(ROAMING_FIXTURES)(
    "%s through POST /query (text and card) and the query CLI",
    async (name) => {
      const data = roaming(name) as { Event: Record<string, any> };
      expect((await app.query(request(data))).body).toEqual({ data: true });
      expect((await app.query(request(data, { format: "card" }))).body).toEqual({ data: true });
      expect(sent().cardsV2[0].card.header.title).toBe(`[MISP] Event ${data.Event.id}: ${data.Event.info}`);
      const r = await cliQuery(app.url, "google_chat", name, {
        webhook_url: hook(chat.url),
        message_template: "*{{ Event.info }}*",
        thread_key: "misp-{{ Event.uuid }}",
      });
      expect(r.reply, r.stderr).toEqual({ data: true });
      // Found by content, not as the last request: on a loaded machine an earlier post that the
      // client gave up on and sent again (same requestId) can arrive after it.
      const cli = chat.requests.find((q) => q.query.get("threadKey") === `misp-${data.Event.uuid}`);
      expect(cli && JSON.parse(cli.body).text).toBe(`*${data.Event.info}*`);
    },
    60_000,
  );
});
