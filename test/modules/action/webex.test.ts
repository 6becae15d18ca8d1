import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import def from "../../../src/modules/action/webex.js";
import { ROAMING_FIXTURES, roaming, startTestApp, type TestApp } from "../../helpers/app.js";
import { cliQuery, nodeRequest } from "../../helpers/action-node.js";
import { failures, startStandIn, type StandIn } from "../../helpers/stand-in.js";
import { WEBEX_ROOM, WEBEX_TOKEN, webexStandIn } from "./stand-ins/webex.js";
import { transportErrors } from "./stand-ins/transport.js";

let app: TestApp;
let webex: StandIn;

const request = (data: unknown, values: Record<string, string> = {}) =>
  nodeRequest("webex", def, data, { bot_token: WEBEX_TOKEN, room_id: WEBEX_ROOM, api_url: `${webex.url}/v1`, ...values });
const sent = () => JSON.parse(webex.last().body) as Record<string, any>;

beforeAll(async () => {
  webex = await startStandIn();
  app = await startTestApp({ http: { timeoutMs: 1000 } }, { env: { MISP_MODULES_SECRET_WEBEX_BOT: WEBEX_TOKEN } });
}, 120_000);
afterAll(async () => {
  await app.close();
  await webex.close();
});
beforeEach(() => {
  webex.reset();
  webex.handle(webexStandIn().handler);
});

describe("webex", () => {
  it("descriptor: token secret, Markdown template, API URL placeholder that is the default", async () => {
    const list = (await (await fetch(`${app.url}/modules`)).json()) as Array<{ name: string; meta: Record<string, any> }>;
    const params = list.find((m) => m.name === "webex")!.meta.config.params as Record<
      string,
      { type: string; value?: string; jinja_supported?: boolean }
    >;
    expect(Object.keys(params)).toEqual(["bot_token", "room_id", "message_template", "parent_id", "api_url", "delivery"]);
    expect(params.message_template!).toMatchObject({ type: "large_string", jinja_supported: true });
    expect(params.api_url!.value).toBe("https://webexapis.com/v1");
  });

  it("posts the escaped summary as Markdown with a plain alternative, with the bot token", async () => {
    const data = roaming("event-publish-tlp-red") as { Event: Record<string, any> };
    expect((await app.query(request(data))).body).toEqual({ data: true });
    expect(webex.last().headers.authorization).toBe(`Bearer ${WEBEX_TOKEN}`);
    const body = sent();
    expect(body.roomId).toBe(WEBEX_ROOM);
    expect(body.markdown.split("  \n")[0]).toBe(`**\\[MISP\\] Event 1201: ${data.Event.info}**`);
    expect(body.text.split("\n")[0]).toBe(`[MISP] Event 1201: ${data.Event.info}`);
  });

  it("sends the template as is, replies in a thread, resolves secret:NAME; cuts to 7439 bytes", async () => {
    expect(
      (await app.query(request({}, { bot_token: "secret:WEBEX_BOT", message_template: "**Sofacy** seen", parent_id: "P1" }))).body,
    ).toEqual({ data: true });
    expect(sent()).toEqual({ roomId: WEBEX_ROOM, markdown: "**Sofacy** seen", parentId: "P1" });
    expect((await app.query(request({}, { message_template: "é".repeat(6000) }))).body).toEqual({ data: true });
    expect(Buffer.byteLength(sent().markdown)).toBeLessThanOrEqual(7439);
  });

  it("reports Webex's error text with the tracking id: 401, 403, 404, 400, 429 with and without Retry-After, 5xx", async () => {
    expect((await app.query(request({}, { bot_token: "wrong" }))).body.error).toMatch(
      /^webex: HTTP 401 Unauthorized: The request requires a valid access token set in the Authorization request header\. \(tracking id ROUTER_STANDIN_\d+\)$/,
    );
    expect((await app.query(request({}, { room_id: "Y2lzY29zcGFyazovL3VzL1JPT00vb3RoZXI" }))).body.error).toMatch(
      /^webex: HTTP 404 Not Found: Could not find a room with provided ID\. \(tracking id/,
    );
    webex.script(
      failures.forbidden({ message: "Failed to post message.", errors: [{ description: "Failed to post message." }], trackingId: "T1" }),
      { status: 400, body: { message: "Message length exceeds 7439 bytes", trackingId: "T2" } },
      failures.rateLimited(7, { message: "Too many requests", trackingId: "T3" }),
      { status: 429, body: { message: "Too many requests", trackingId: "T4" } },
      { status: 503, body: { message: `Service unavailable for ${WEBEX_TOKEN}`, trackingId: "T5" } },
      { status: 200, body: "<html>login</html>" },
    );
    const errors: string[] = [];
    for (let i = 0; i < 6; i++) errors.push((await app.query(request({}, { message_template: "m" }))).body.error as string);
    expect(errors).toEqual([
      "webex: HTTP 403 Forbidden: Failed to post message. (tracking id T1)",
      "webex: HTTP 400 Bad Request: Message length exceeds 7439 bytes (tracking id T2)",
      "webex: HTTP 429 Too Many Requests, rate limited by Webex, retry after 7 s: Too many requests (tracking id T3)",
      "webex: HTTP 429 Too Many Requests, rate limited by Webex: Too many requests (tracking id T4)",
      "webex: HTTP 503 Service Unavailable: Service unavailable for *** (tracking id T5)",
      "webex: unexpected answer from Webex (HTTP 200 OK): <html>login</html>",
    ]);
    // No idempotency key at Webex: every failure was a single attempt.
    expect(webex.requests).toHaveLength(8);
  });

  it("refuses malformed ids without calling Webex", async () => {
    expect((await app.query(request({}, { room_id: "a b" }))).body.error).toMatch(/room_id/);
    expect((await app.query(request({}, { room_id: "" }))).body.error).toMatch(/room_id/);
    expect(webex.requests).toHaveLength(0);
  });

  it("fails on a hang, a self-signed certificate and a refused connection", { timeout: 60_000 }, async () => {
    const e = await transportErrors(app, (url) => request({}, { api_url: `${url}/v1`, message_template: "m" }), webexStandIn().handler);
    expect(e.hang).toMatch(/^webex: posting to Webex failed: no response from 127\.0\.0\.1:\d+ within 1000 ms/);
    expect(e.selfSigned).toMatch(/^webex: posting to Webex failed: TLS error .*self-signed/);
    expect(e.selfSignedRequests).toBe(0);
    expect(e.refused).toMatch(/^webex: posting to Webex failed: connection refused/);
  });

  it.each(ROAMING_FIXTURES)(
    "%s through POST /query and the query CLI",
    async (name) => {
      const data = roaming(name) as { Event: Record<string, any> };
      expect((await app.query(request(data))).body).toEqual({ data: true });
      expect(sent().text.split("\n")[0]).toBe(`[MISP] Event ${data.Event.id}: ${data.Event.info}`);
      const r = await cliQuery(app.url, "webex", name, {
        bot_token: WEBEX_TOKEN,
        room_id: WEBEX_ROOM,
        api_url: `${webex.url}/v1`,
        message_template: "**{{ Event.info }}**",
      });
      expect(r.reply, r.stderr).toEqual({ data: true });
      expect(sent().markdown).toBe(`**${data.Event.info}**`);
    },
    60_000,
  );
});
