import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { paramId } from "../../../src/engines/cakephp-hash/inflector.js";
import { eventSummary } from "../../../src/modules/shared/messages/summary.js";
import { TRUNCATION_MARKER } from "../../../src/modules/shared/messages/truncate.js";
import { escapeForParseMode, splitPlainText } from "../../../src/modules/action/telegram.js";
import { ROAMING_FIXTURES, roaming, startTestApp, type TestApp } from "../../helpers/app.js";
import { selfSignedCertificate } from "../../helpers/smtp.js";

// telegram end to end: POST /query on the real app → a local Bot API stand-in that
// enforces sendMessage's contract (token in the path, JSON validated with zod, entity
// parsing for HTML/MarkdownV2, 4096 characters after parsing) and fails like Telegram.

const TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const CHAT = "-1001234567890";
const BLOCKED_CHAT = "@blocked_channel";

const SendMessage = z
  .object({
    chat_id: z.union([z.number().int(), z.string().regex(/^(-?\d+|@[A-Za-z][A-Za-z0-9_]{3,})$/)]),
    text: z.string(),
    parse_mode: z.enum(["HTML", "MarkdownV2", "Markdown"]).optional(),
    disable_notification: z.boolean().optional(),
    message_thread_id: z.number().int().positive().optional(),
    link_preview_options: z.object({ is_disabled: z.boolean().optional() }).strict().optional(),
  })
  .strict();
type SendMessage = z.infer<typeof SendMessage>;

const HTML_TAGS = new Set([
  "b",
  "strong",
  "i",
  "em",
  "u",
  "ins",
  "s",
  "strike",
  "del",
  "a",
  "code",
  "pre",
  "tg-spoiler",
  "span",
  "blockquote",
]);

/** Visible text of an HTML message, or the error Telegram gives. */
function parseHtml(text: string): { visible: string } | { error: string } {
  const open: string[] = [];
  let visible = "";
  for (let i = 0; i < text.length; ) {
    const c = text[i];
    if (c === "<") {
      const m = /^<(\/?)([a-z-]+)(\s[^<>]*)?>/.exec(text.slice(i));
      if (!m || !HTML_TAGS.has(m[2]))
        return { error: `Bad Request: can't parse entities: Unsupported start tag "${m?.[2] ?? ""}" at byte offset ${i}` };
      if (m[1]) {
        if (open.pop() !== m[2])
          return {
            error: `Bad Request: can't parse entities: Unmatched end tag at byte offset ${i}, expected "</${open.at(-1) ?? ""}>", found "</${m[2]}>"`,
          };
      } else open.push(m[2]);
      i += m[0].length;
    } else if (c === "&") {
      const m = /^&(lt|gt|amp|quot|#\d+|#x[0-9a-f]+);/i.exec(text.slice(i));
      if (!m) return { error: `Bad Request: can't parse entities: Can't find end of the entity starting at byte offset ${i}` };
      const name = m[1].toLowerCase();
      const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };
      visible += named[name] ?? String.fromCodePoint(name.startsWith("#x") ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10));
      i += m[0].length;
    } else if (c === ">") {
      return { error: `Bad Request: can't parse entities: Unexpected end of tag at byte offset ${i}` };
    } else {
      visible += c;
      i++;
    }
  }
  if (open.length) return { error: `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "${open.at(-1)}"` };
  return { visible };
}

/** Visible text of a MarkdownV2 message (bold/italic/code markers, escapes), or Telegram's error. */
function parseMarkdownV2(text: string): { visible: string } | { error: string } {
  let visible = "";
  const markers: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") {
      if (i + 1 >= text.length) return { error: "Bad Request: can't parse entities: Can't find end of the entity" };
      visible += text[++i];
    } else if ("*_~`".includes(c)) {
      if (markers.at(-1) === c) markers.pop();
      else markers.push(c);
    } else if ("[]()>#+-=|{}.!".includes(c)) {
      return { error: `Bad Request: can't parse entities: Character '${c}' is reserved and must be escaped with the preceding '\\'` };
    } else visible += c;
  }
  if (markers.length) return { error: `Bad Request: can't parse entities: Can't find end of ${markers.at(-1)} entity` };
  return { visible };
}

type Scripted = { status: number; body: unknown; headers?: Record<string, string> } | "hang" | "reset";

interface Received {
  path: string;
  body: SendMessage;
  /** The text as the user sees it (after entity parsing). */
  visible: string;
}

class BotApiStandIn {
  readonly received: Received[] = [];
  readonly rawPaths: string[] = [];
  script: Scripted[] = [];
  port = 0;
  private server!: http.Server;
  private sockets = new Set<Socket>();
  constructor(private readonly tls = false) {}

  async start(): Promise<this> {
    const { key, cert } = selfSignedCertificate();
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => this.handle(req, res);
    this.server = this.tls ? https.createServer({ key, cert }, handler) : http.createServer(handler);
    this.server.on("connection", (s: Socket) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `${this.tls ? "https" : "http"}://127.0.0.1:${this.port}`;
  }

  reset(): void {
    this.received.length = 0;
    this.rawPaths.length = 0;
    this.script = [];
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      this.rawPaths.push(req.url ?? "");
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": typeof body === "string" ? "text/html" : "application/json", ...headers });
        res.end(typeof body === "string" ? body : JSON.stringify(body));
      };
      const fail = (code: number, description: string, parameters?: object) =>
        reply(code, { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) });

      const m = /^\/bot([^/]+)\/sendMessage$/.exec(req.url ?? "");
      if (req.method !== "POST" || !m) return fail(404, "Not Found");
      if (m[1] !== TOKEN) return fail(401, "Unauthorized");
      if (!/^application\/json/.test(req.headers["content-type"] ?? "")) return fail(400, "Bad Request: message text is empty");
      let json: unknown;
      try {
        json = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return fail(400, "Bad Request: can't parse JSON");
      }
      const parsed = SendMessage.safeParse(json);
      if (!parsed.success) return fail(400, `Bad Request: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message}`);
      const body = parsed.data;

      const scripted = this.script.shift();
      if (scripted === "hang") return;
      if (scripted === "reset") return req.socket.destroy();
      if (scripted) return reply(scripted.status, scripted.body, scripted.headers);

      if (String(body.chat_id) === BLOCKED_CHAT) return fail(403, "Forbidden: bot was blocked by the user");
      if (String(body.chat_id) !== CHAT && String(body.chat_id) !== "@misp_alerts") return fail(400, "Bad Request: chat not found");
      const entities =
        body.parse_mode === "HTML"
          ? parseHtml(body.text)
          : body.parse_mode === "MarkdownV2"
            ? parseMarkdownV2(body.text)
            : { visible: body.text };
      if ("error" in entities) return fail(400, entities.error);
      if (entities.visible.trim() === "") return fail(400, "Bad Request: message text is empty");
      if (entities.visible.length > 4096) return fail(400, "Bad Request: message is too long");
      this.received.push({ path: req.url ?? "", body, visible: entities.visible });
      reply(200, {
        ok: true,
        result: {
          message_id: this.received.length,
          chat: { id: Number(CHAT), type: "supergroup" },
          date: 1729430000,
          text: entities.visible,
        },
      });
    });
  }
}

const PARAMS = ["bot_token", "chat_id", "message_body_template", "parse_mode", "disable_notification", "message_thread_id", "api_url"];

function telegramQuery(data: unknown, params: Record<string, string>): Record<string, unknown> {
  const all: Record<string, string> = {};
  for (const name of PARAMS) all[paramId(name)] = params[name] ?? "";
  return { module: "telegram", data, params: all };
}

type Json = Record<string, any>;

const DOC = readFileSync(new URL("../../../docs/actions-delivery.md", import.meta.url), "utf8");

/** A template block of the user documentation (marked with <!-- template: id -->). */
function docTemplate(id: string): string {
  return new RegExp(`<!-- template: ${id} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\``).exec(DOC)![1];
}

/** What MISP does with a jinja_supported parameter: ask our jinja_template_rendering module (docs/protocol.md#jinja-params). */
async function renderLikeMisp(template: string, data: unknown): Promise<string> {
  const r = await app.query({ module: "jinja_template_rendering", text: JSON.stringify({ template, data }) });
  expect(r.body.error).toBeUndefined();
  return (r.body.results as { values: string[] }[])[0].values[0];
}

let bot: BotApiStandIn;
let app: TestApp;
beforeAll(async () => {
  bot = await new BotApiStandIn().start();
  // Rendering the documented template on a loaded test machine: more room than the 2 s default.
  app = await startTestApp({ http: { timeoutMs: 1500 }, modules: { jinja_template_rendering: { timeout_ms: "8000" } } });
});
afterAll(async () => {
  await app.close();
  await bot.close();
});
afterEach(() => bot.reset());

const base = () => ({ bot_token: TOKEN, chat_id: CHAT, api_url: bot.url });

describe("telegram with every roaming fixture", () => {
  it.each(ROAMING_FIXTURES)("%s: the summary as plain text, link previews off", async (name) => {
    const data = roaming(name);
    const r = await app.query(telegramQuery(data, base()));
    expect(r.body).toEqual({ data: true });
    expect(bot.received).toHaveLength(1);
    expect(bot.received[0].path).toBe(`/bot${TOKEN}/sendMessage`);
    expect(bot.received[0].body).toEqual({
      chat_id: CHAT,
      text: eventSummary(data, { maxLength: 20480 }),
      link_preview_options: { is_disabled: true },
    });
  });

  it.each(ROAMING_FIXTURES)("%s: the summary escaped for MarkdownV2 reads exactly like the plain summary", async (name) => {
    const data = roaming(name);
    const r = await app.query(telegramQuery(data, { ...base(), parse_mode: "markdownv2" }));
    expect(r.body).toEqual({ data: true });
    expect(bot.received[0].body.parse_mode).toBe("MarkdownV2");
    expect(bot.received[0].visible).toBe(eventSummary(data, { maxLength: 20480 }));
  });

  it.each(ROAMING_FIXTURES)("%s: the summary escaped for HTML reads exactly like the plain summary", async (name) => {
    const data = roaming(name);
    // Event text containing & and < would break unescaped HTML (the built-in module's bug).
    const ev = data.Event as Json;
    ev.info = `${ev.info} <script> & "quotes"`;
    const r = await app.query(telegramQuery(data, { ...base(), parse_mode: "HTML" }));
    expect(r.body).toEqual({ data: true });
    expect(bot.received[0].body.parse_mode).toBe("HTML");
    expect(bot.received[0].visible).toBe(eventSummary(data, { maxLength: 20480 }));
  });
});

describe("telegram: the example of docs/actions-delivery.md", () => {
  it.each(ROAMING_FIXTURES)("%s: the documented HTML template, rendered by jinja_template_rendering as MISP does", async (name) => {
    const data = roaming(name);
    const text = await renderLikeMisp(docTemplate("telegram-message"), data);
    const r = await app.query(telegramQuery(data, { ...base(), parse_mode: "HTML", message_body_template: text }));
    expect(r.body).toEqual({ data: true });
    // Accepted as HTML on the first try: every value was escaped.
    expect(bot.rawPaths).toHaveLength(1);
    expect(bot.received[0].body.parse_mode).toBe("HTML");
    const visible = bot.received[0].visible;
    const ev = data.Event as Json;
    expect(visible.startsWith(`${ev.info}\n`)).toBe(true);
    for (const a of ev._AttributeFlattened) {
      if (a.to_ids) expect(visible).toContain(`• ${a.type}: ${a.value}\n`);
      else expect(visible).not.toContain(`• ${a.type}: ${a.value}\n`);
    }
    if (name === "event-publish-mixed-galaxy-objects") {
      const documented = /the group sees:\n\n```\n([\s\S]*?)\n```/
        .exec(DOC)![1]
        .split("\n")
        .filter((l) => l !== "…");
      for (const line of documented) expect(visible.split("\n").map((l) => l.trimEnd())).toContain(line);
    }
  });

  it("the summary shown in the documentation is the real one", () => {
    const documented = /text summary:\n\n  ```\n([\s\S]*?)\n  ```/
      .exec(DOC)![1]
      .split("\n")
      .map((l) => l.replace(/^  /, ""))
      .join("\n");
    expect(documented).toBe(eventSummary(roaming("event-publish-mixed-galaxy-objects")));
  });
});

describe("telegram: templates, options and parse-mode fallback", () => {
  it("sends a rendered HTML template as is (never rendered again)", async () => {
    const text = "<b>MISP</b> event 42: {{ not a template any more }}";
    const r = await app.query(
      telegramQuery(roaming("event-publish-tlp-red"), { ...base(), message_body_template: text, parse_mode: "HTML" }),
    );
    expect(r.body).toEqual({ data: true });
    expect(bot.received[0].body.text).toBe(text);
    expect(bot.received[0].visible).toBe("MISP event 42: {{ not a template any more }}");
  });

  it("resends without parse mode when Telegram cannot parse the markup", async () => {
    const text = "<b>Alert</b> for 203.0.113.5 & friends <unknown>";
    const r = await app.query(
      telegramQuery(roaming("event-publish-tlp-red"), { ...base(), message_body_template: text, parse_mode: "HTML" }),
    );
    expect(r.body).toEqual({ data: true });
    expect(bot.rawPaths).toHaveLength(2);
    expect(bot.received).toHaveLength(1);
    expect(bot.received[0].body.parse_mode).toBeUndefined();
    expect(bot.received[0].body.text).toBe(text);
  });

  it("reports the plain resend's failure too", async () => {
    bot.script = [
      {
        status: 400,
        body: { ok: false, error_code: 400, description: 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0' },
      },
      { status: 400, body: { ok: false, error_code: 400, description: "Bad Request: message is too long" } },
    ];
    const r = await app.query(
      telegramQuery(roaming("event-publish-tlp-red"), { ...base(), message_body_template: "<x>", parse_mode: "HTML" }),
    );
    expect(r.body).toEqual({ error: "telegram: Bad Request: message is too long" });
    expect(bot.rawPaths).toHaveLength(2);
  });

  it("passes disable_notification, message_thread_id and a channel username", async () => {
    const r = await app.query(
      telegramQuery(roaming("event-publish-tlp-white"), {
        ...base(),
        chat_id: "@misp_alerts",
        disable_notification: "yes",
        message_thread_id: "17",
      }),
    );
    expect(r.body).toEqual({ data: true });
    expect(bot.received[0].body).toMatchObject({ chat_id: "@misp_alerts", disable_notification: true, message_thread_id: 17 });
  });

  it("accepts an api_url with a trailing slash (self-hosted Bot API server)", async () => {
    const r = await app.query(telegramQuery(roaming("event-publish-tlp-white"), { ...base(), api_url: `${bot.url}/` }));
    expect(r.body).toEqual({ data: true });
    expect(bot.rawPaths[0]).toBe(`/bot${TOKEN}/sendMessage`);
  });
});

describe("telegram: long texts (4096 UTF-16 units per message)", () => {
  const lines = (n: number, width: number) =>
    Array.from({ length: n }, (_, i) => `${String(i).padStart(5, "0")} ${"x".repeat(width - 6)}`).join("\n");

  it("splits plain text on line boundaries", async () => {
    const text = lines(100, 99); // 9999 characters
    const r = await app.query(telegramQuery(roaming("event-publish-tlp-red"), { ...base(), message_body_template: text }));
    expect(r.body).toEqual({ data: true });
    expect(bot.received).toHaveLength(3);
    for (const m of bot.received) {
      expect(m.body.text.length).toBeLessThanOrEqual(4096);
      expect(m.body.text.split("\n").every((l) => l.length === 99)).toBe(true);
    }
    expect(bot.received.map((m) => m.body.text).join("\n")).toBe(text);
  });

  it("sends at most 5 messages, the last truncated with a marker", async () => {
    const text = lines(400, 99);
    const r = await app.query(telegramQuery(roaming("event-publish-tlp-red"), { ...base(), message_body_template: text }));
    expect(r.body).toEqual({ data: true });
    expect(bot.received).toHaveLength(5);
    expect(bot.received[4].body.text.length).toBeLessThanOrEqual(4096);
    expect(bot.received[4].body.text.endsWith(TRUNCATION_MARKER)).toBe(true);
  });

  it("sends a long formatted text as plain chunks (splitting markup is unsafe)", async () => {
    const text = `<b>Alert</b>\n${lines(60, 99)}`;
    const r = await app.query(
      telegramQuery(roaming("event-publish-tlp-red"), { ...base(), message_body_template: text, parse_mode: "HTML" }),
    );
    expect(r.body).toEqual({ data: true });
    expect(bot.received).toHaveLength(2);
    expect(bot.received.every((m) => m.body.parse_mode === undefined)).toBe(true);
    expect(bot.received.map((m) => m.body.text).join("\n")).toBe(text);
  });

  it("cuts a single over-long line without splitting a surrogate pair", () => {
    const text = `${"a".repeat(4095)}😀${"b".repeat(10)}`;
    const parts = splitPlainText(text);
    expect(parts).toEqual([`${"a".repeat(4095)}`, `😀${"b".repeat(10)}`]);
  });

  it("reports which message failed and how many went before", async () => {
    bot.script = [
      { status: 200, body: { ok: true, result: {} } },
      { status: 400, body: { ok: false, error_code: 400, description: "Bad Request: chat not found" } },
    ];
    const r = await app.query(telegramQuery(roaming("event-publish-tlp-red"), { ...base(), message_body_template: lines(100, 99) }));
    expect(r.body).toEqual({ error: "telegram: message 2/3: Bad Request: chat not found; 1 message sent before" });
    expect(bot.rawPaths).toHaveLength(2);
  });
});

describe("telegram: failures", () => {
  const data = () => roaming("event-publish-onion-pap-red");

  it("401 for a wrong token, without revealing it", async () => {
    const wrong = "987654321:ZZZdqTcvCH1vGWJxfSeofSAs0K5PALDxyz";
    const r = await app.query(telegramQuery(data(), { ...base(), bot_token: wrong }));
    expect(r.body).toEqual({ error: "telegram: invalid bot token (HTTP 401 Unauthorized)" });
    expect(bot.rawPaths).toEqual([`/bot${wrong}/sendMessage`]);
  });

  it("403 when the bot was blocked or is not a member", async () => {
    const r = await app.query(telegramQuery(data(), { ...base(), chat_id: BLOCKED_CHAT }));
    expect(r.body).toEqual({ error: `telegram: the bot may not post to chat ${BLOCKED_CHAT}: Forbidden: bot was blocked by the user` });
  });

  it("400 chat not found", async () => {
    const r = await app.query(telegramQuery(data(), { ...base(), chat_id: "-100999" }));
    expect(r.body).toEqual({ error: "telegram: Bad Request: chat not found" });
  });

  it("400 with a chat migrated to a supergroup names the new id", async () => {
    bot.script = [
      {
        status: 400,
        body: {
          ok: false,
          error_code: 400,
          description: "Bad Request: group chat was upgraded to a supergroup chat",
          parameters: { migrate_to_chat_id: -1009876543210 },
        },
      },
    ];
    const r = await app.query(telegramQuery(data(), base()));
    expect(r.body).toEqual({
      error: "telegram: Bad Request: group chat was upgraded to a supergroup chat (the chat is now -1009876543210)",
    });
  });

  it("404 for a wrong api_url path", async () => {
    const r = await app.query(telegramQuery(data(), { ...base(), api_url: `${bot.url}/prefix` }));
    expect(r.body).toEqual({
      error: 'telegram: HTTP 404 Not Found: {"ok":false,"error_code":404,"description":"Not Found"} (check bot_token and api_url)',
    });
  });

  it("413 from a proxy in front of the Bot API server", async () => {
    bot.script = [{ status: 413, body: "<html><h1>413 Request Entity Too Large</h1></html>" }];
    const r = await app.query(telegramQuery(data(), base()));
    expect(r.body).toEqual({ error: "telegram: HTTP 413 Payload Too Large: <html><h1>413 Request Entity Too Large</h1></html>" });
  });

  it("429: waits retry_after once when it fits in the deadline, then succeeds", async () => {
    bot.script = [
      {
        status: 429,
        body: { ok: false, error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } },
        headers: { "retry-after": "1" },
      },
    ];
    const started = Date.now();
    const r = await app.query(telegramQuery(data(), base()));
    expect(r.body).toEqual({ data: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(bot.rawPaths).toHaveLength(2);
    expect(bot.received).toHaveLength(1);
  });

  it("429: a retry_after beyond the deadline is reported at once", async () => {
    bot.script = [
      {
        status: 429,
        body: { ok: false, error_code: 429, description: "Too Many Requests: retry after 30", parameters: { retry_after: 30 } },
        headers: { "retry-after": "30" },
      },
    ];
    const r = await app.query(telegramQuery(data(), base()));
    expect(r.body).toEqual({ error: "telegram: rate limited by Telegram, retry after 30 s (HTTP 429: Too Many Requests: retry after 30)" });
    expect(bot.rawPaths).toHaveLength(1);
  });

  it("429 twice: reported after the one wait", async () => {
    const limited = {
      status: 429,
      body: { ok: false, error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } },
    };
    bot.script = [limited, limited];
    const r = await app.query(telegramQuery(data(), base()));
    expect(r.body).toEqual({ error: "telegram: rate limited by Telegram, retry after 1 s (HTTP 429: Too Many Requests: retry after 1)" });
    expect(bot.rawPaths).toHaveLength(2);
  });

  it("500 internal error", async () => {
    bot.script = [{ status: 500, body: { ok: false, error_code: 500, description: "Internal Server Error" } }];
    const r = await app.query(telegramQuery(data(), base()));
    expect(r.body).toEqual({ error: "telegram: Internal Server Error" });
  });

  it("503 while the Bot API server restarts", async () => {
    bot.script = [
      { status: 503, body: { ok: false, error_code: 503, description: "Service Unavailable" }, headers: { "retry-after": "3" } },
    ];
    const r = await app.query(telegramQuery(data(), base()));
    expect(r.body).toEqual({ error: "telegram: Service Unavailable" });
    // POST is not resent automatically: Telegram may have delivered it.
    expect(bot.rawPaths).toHaveLength(1);
  });

  it("502 from a proxy, not JSON", async () => {
    bot.script = [{ status: 502, body: "<html>Bad Gateway</html>" }];
    const r = await app.query(telegramQuery(data(), base()));
    expect(r.body).toEqual({ error: "telegram: HTTP 502 Bad Gateway: <html>Bad Gateway</html>" });
  });

  it("HTTP 200 without ok: true is not a success", async () => {
    bot.script = [{ status: 200, body: "<html>captive portal</html>" }];
    const r = await app.query(telegramQuery(data(), base()));
    expect(r.body).toEqual({ error: "telegram: HTTP 200 OK: <html>captive portal</html>" });
  });

  it("a server that never answers times out, without the token in the message", async () => {
    bot.script = ["hang"];
    const r = await app.query(telegramQuery(data(), base()));
    expect(r.body.error).toMatch(/^telegram: sending to Telegram failed: .*1500 ms/);
    expect(String(r.body.error)).not.toContain(TOKEN);
  });

  it("a connection reset", async () => {
    bot.script = ["reset"];
    const r = await app.query(telegramQuery(data(), base()));
    expect(r.body.error).toMatch(/^telegram: sending to Telegram failed: /);
    expect(String(r.body.error)).not.toContain(TOKEN);
  });

  it("connection refused", async () => {
    const closed = await new BotApiStandIn().start();
    const url = closed.url;
    await closed.close();
    const r = await app.query(telegramQuery(data(), { ...base(), api_url: url }));
    expect(r.body.error).toMatch(/^telegram: sending to Telegram failed: connection refused/);
  });

  it("a self-hosted server with a self-signed certificate is refused", async () => {
    const tlsBot = await new BotApiStandIn(true).start();
    try {
      const r = await app.query(telegramQuery(data(), { ...base(), api_url: tlsBot.url }));
      expect(r.body.error).toMatch(/^telegram: sending to Telegram failed: TLS error .*self-signed/);
      expect(tlsBot.received).toHaveLength(0);
    } finally {
      await tlsBot.close();
    }
  });
});

describe("telegram: parameters", () => {
  it.each([
    [{ bot_token: "" }, 'telegram: parameter "bot_token": is required'],
    [{ chat_id: "" }, 'telegram: parameter "chat_id": is required'],
    [
      { bot_token: "not a token" },
      'telegram: parameter "bot_token": does not look like a bot token (digits, a colon, then letters, digits, _ or -)',
    ],
    [{ chat_id: "my group" }, 'telegram: parameter "chat_id": must be a numeric chat id or @channelusername'],
    [{ parse_mode: "markdown3" }, 'telegram: parameter "parse_mode": must be one of none, HTML, MarkdownV2, Markdown'],
    [{ disable_notification: "loud" }, 'telegram: parameter "disable_notification": must be true or false'],
    [{ message_thread_id: "general" }, 'telegram: parameter "message_thread_id": must be a whole number'],
    [{ api_url: "telegram.example.org" }, 'telegram: parameter "api_url": must be an http:// or https:// URL'],
  ])("rejects %j before sending", async (override, error) => {
    const r = await app.query(telegramQuery(roaming("event-publish-tlp-red"), { ...base(), ...override }));
    expect(r.body).toEqual({ error });
    expect(bot.rawPaths).toHaveLength(0);
  });

  it("publishes the descriptor of docs/modules.md#action-modules", async () => {
    const list = (await (await fetch(`${app.url}/modules`)).json()) as Json[];
    const d = list.find((m) => m.name === "telegram")!;
    expect(Object.keys(d.meta.config.params)).toEqual([...PARAMS, "delivery"]);
    expect(d.meta.config.params.message_body_template).toMatchObject({ type: "large_string", jinja_supported: true });
    expect(d.meta.config.params.api_url.value).toBe("https://api.telegram.org");
    expect(d.meta.config).toMatchObject({ blocking: false, support_filters: false });
    expect([d.meta.icon, d.meta.icon_class]).toEqual(["telegram", "fab"]);
  });
});

describe("telegram helpers", () => {
  it("escapes for each parse mode", () => {
    expect(escapeForParseMode("a & <b> > c", "HTML")).toBe("a &amp; &lt;b&gt; &gt; c");
    expect(escapeForParseMode("v1.2 (x) [y] #t a_b *c* ~d~ `e` >f +g -h =i |j {k} !l \\m", "MarkdownV2")).toBe(
      "v1\\.2 \\(x\\) \\[y\\] \\#t a\\_b \\*c\\* \\~d\\~ \\`e\\` \\>f \\+g \\-h \\=i \\|j \\{k\\} \\!l \\\\m",
    );
    expect(escapeForParseMode("a_b *c* `d` [e] (f).", "Markdown")).toBe("a\\_b \\*c\\* \\`d\\` \\[e] (f).");
  });

  it("splits nothing that fits", () => {
    expect(splitPlainText("short")).toEqual(["short"]);
    expect(splitPlainText("x".repeat(4096))).toEqual(["x".repeat(4096)]);
  });
});
