import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import def from "../../../src/modules/action/discord.js";
import { ROAMING_FIXTURES, roaming, startTestApp, type TestApp } from "../../helpers/app.js";
import { cliQuery, nodeRequest } from "../../helpers/action-node.js";
import { failures, startStandIn, type StandIn } from "../../helpers/stand-in.js";
import { DISCORD_HOOK_PATH, DISCORD_HOOK_TOKEN, discordStandIn } from "./stand-ins/discord.js";
import { transportErrors } from "./stand-ins/transport.js";

let app: TestApp;
let discord: StandIn;
let hookUrl: string;

const request = (data: unknown, values: Record<string, string> = {}) =>
  nodeRequest("discord", def, data, { webhook_url: hookUrl, ...values });
const sent = () => JSON.parse(discord.last().body) as Record<string, any>;

beforeAll(async () => {
  discord = await startStandIn();
  hookUrl = `${discord.url}${DISCORD_HOOK_PATH}`;
  app = await startTestApp(
    { http: { timeoutMs: 1000 }, modules: { discord: { misp_base_url: "https://misp.example.org" } } },
    { env: { MISP_MODULES_SECRET_DISCORD_HOOK: hookUrl } },
  );
}, 120_000);
afterAll(async () => {
  await app.close();
  await discord.close();
});
beforeEach(() => {
  discord.reset();
  discord.handle(discordStandIn().handler);
});

describe("discord", () => {
  it("descriptor: the webhook URL is a secret, title and message are templates", async () => {
    const list = (await (await fetch(`${app.url}/modules`)).json()) as Array<{ name: string; meta: Record<string, any> }>;
    const params = list.find((m) => m.name === "discord")!.meta.config.params as Record<
      string,
      { type: string; value?: string; jinja_supported?: boolean }
    >;
    expect(Object.keys(params)).toEqual(["webhook_url", "title", "message_template", "format", "username", "thread_id", "delivery"]);
    expect(params.title!).toMatchObject({ type: "string", jinja_supported: true });
    expect(params.message_template!).toMatchObject({ type: "large_string", jinja_supported: true });
    expect(params.format!.value).toBe("embed");
    expect(params.webhook_url!.jinja_supported).toBeUndefined();
  });

  it("posts an embed: summary title, escaped details, threat colour, fields, link; mentions off; waits for the message", async () => {
    const data = roaming("event-publish-tlp-red") as { Event: Record<string, any> };
    expect((await app.query(request(data))).body).toEqual({ data: true });
    const req = discord.last();
    expect(req.query.get("wait")).toBe("true");
    const body = sent();
    expect(body.allowed_mentions).toEqual({ parse: [] });
    const embed = body.embeds[0];
    expect(embed.title).toBe(`[MISP] Event 1201: ${data.Event.info}`);
    expect(embed.url).toBe("https://misp.example.org/events/view/1201");
    expect(embed.color).toBe(0xd9534f);
    expect(embed.description).toContain("UUID: 95c8c4f1-a47c");
    expect(embed.fields).toEqual([
      { name: "Threat level", value: "High", inline: true },
      { name: "Creator org", value: "CIRCL", inline: true },
      { name: "Tags", value: expect.stringContaining("`tlp:red`") },
    ]);
    expect(embed.footer).toEqual({ text: `MISP event ${data.Event.uuid}` });
  });

  it("text format, template as is, username, thread; a secret:NAME webhook URL", async () => {
    const r = await app.query(
      request(
        {},
        {
          webhook_url: "secret:DISCORD_HOOK",
          format: "text",
          message_template: "**Sofacy** @everyone",
          username: "MISP",
          thread_id: "123",
        },
      ),
    );
    expect(r.body).toEqual({ data: true });
    expect(sent()).toEqual({ allowed_mentions: { parse: [] }, username: "MISP", content: "**Sofacy** @everyone" });
    expect(discord.last().query.get("thread_id")).toBe("123");
  });

  it("keeps within Discord's limits: 2000 characters of content, 6000 per embed", async () => {
    await app.query(request({}, { format: "text", message_template: "x".repeat(5000) }));
    expect(sent().content).toHaveLength(2000);
    const data = roaming("event-publish-mixed-galaxy-objects");
    expect((await app.query(request(data, { message_template: "y".repeat(9000), title: "z".repeat(400) }))).body).toEqual({ data: true });
    const embed = sent().embeds[0];
    expect(embed.title).toHaveLength(256);
    expect(embed.description.length).toBeLessThanOrEqual(4096);
  });

  it("refuses a URL that is not a Discord webhook and bad parameters, sending nothing", async () => {
    expect((await app.query(request({}, { webhook_url: `${discord.url}/hooks/x` }))).body.error).toMatch(
      /^discord: .*webhook_url.*must be a Discord webhook URL/,
    );
    expect((await app.query(request({}, { thread_id: "abc" }))).body.error).toMatch(/thread_id.*numeric/);
    expect(discord.requests).toHaveLength(0);
  });

  it("reports Discord's error text, never the token: 401, 403, 404, 400 form errors, 429 with and without Retry-After, 5xx", async () => {
    const wrongToken = await app.query(request({}, { webhook_url: hookUrl.replace(DISCORD_HOOK_TOKEN, "wrongT0ken") }));
    expect(wrongToken.body.error).toBe("discord: HTTP 401 Unauthorized: Invalid Webhook Token (code 50027)");
    const unknown = await app.query(request({}, { webhook_url: `${discord.url}/api/webhooks/1/${DISCORD_HOOK_TOKEN}` }));
    expect(unknown.body.error).toBe("discord: HTTP 404 Not Found: Unknown Webhook (code 10015)");
    expect((await app.query(request({}, { username: "discord bot" }))).body.error).toBe(
      'discord: HTTP 400 Bad Request: Invalid Form Body (code 50035) username: Username cannot contain "discord"',
    );
    discord.script(
      failures.forbidden({ message: "Missing Access", code: 50001 }),
      failures.rateLimited(2, { message: "You are being rate limited.", retry_after: 1.5, global: false }),
      { status: 429, body: { message: "You are being rate limited.", retry_after: 64.57, global: true } },
      { status: 502, body: "<html>Bad Gateway</html>" },
      failures.serverError(`hook ${DISCORD_HOOK_TOKEN} broken`),
    );
    const errors: string[] = [];
    for (let i = 0; i < 5; i++) errors.push((await app.query(request({}))).body.error as string);
    expect(errors).toEqual([
      "discord: HTTP 403 Forbidden: Missing Access (code 50001)",
      "discord: HTTP 429 Too Many Requests, rate limited by Discord, retry after 2 s: You are being rate limited.",
      "discord: HTTP 429 Too Many Requests, rate limited by Discord: You are being rate limited. (retry after 64.57 s)",
      "discord: HTTP 502 Bad Gateway: <html>Bad Gateway</html>",
      "discord: HTTP 500 Internal Server Error: hook *** broken",
    ]);
    for (const e of [...errors, wrongToken.body.error as string]) expect(e).not.toContain(DISCORD_HOOK_TOKEN);
  });

  it("fails on a hang, a self-signed certificate and a refused connection without showing the URL", { timeout: 60_000 }, async () => {
    const e = await transportErrors(app, (url) => request({}, { webhook_url: `${url}${DISCORD_HOOK_PATH}` }), discordStandIn().handler);
    expect(e.hang).toMatch(/^discord: posting to the Discord webhook failed: no response from 127\.0\.0\.1:\d+ within 1000 ms/);
    expect(e.selfSigned).toMatch(/^discord: posting to the Discord webhook failed: TLS error .*self-signed/);
    expect(e.selfSignedRequests).toBe(0);
    expect(e.refused).toMatch(/^discord: posting to the Discord webhook failed: connection refused/);
    for (const m of [e.hang, e.selfSigned, e.refused]) expect(m).not.toContain(DISCORD_HOOK_TOKEN);
  });

  it.each(ROAMING_FIXTURES)(
    "%s through POST /query and the query CLI",
    async (name) => {
      const data = roaming(name) as { Event: Record<string, any> };
      expect((await app.query(request(data))).body).toEqual({ data: true });
      expect(sent().embeds[0].title).toBe(`[MISP] Event ${data.Event.id}: ${data.Event.info}`);
      const r = await cliQuery(app.url, "discord", name, {
        webhook_url: hookUrl,
        title: "{{ Event.info }}",
        message_template: "Org: {{ Event.Orgc.name }}",
      });
      expect(r.reply, r.stderr).toEqual({ data: true });
      // Found by content, not as the last request: on a loaded machine an earlier post that the
      // client gave up on and sent again can arrive after it.
      const posted = discord.requests.map((q) => JSON.parse(q.body) as Record<string, any>);
      expect(posted.find((b) => b.embeds?.[0]?.description === `Org: ${data.Event.Orgc.name}`)?.embeds[0]).toMatchObject({
        title: data.Event.info.slice(0, 256),
        description: `Org: ${data.Event.Orgc.name}`,
      });
    },
    60_000,
  );
});
