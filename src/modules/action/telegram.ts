import { defineActionModule, ModuleError, param, ParamError } from "../../sdk/index.js";
import type { HttpResponse, ModuleContext } from "../../sdk/index.js";
import { deliver } from "../shared/messages/deliver.js";
import { describeFailure, jsonBody } from "../shared/messages/http-failure.js";
import { eventSummary } from "../shared/messages/summary.js";
import { TRUNCATION_MARKER, truncateText } from "../shared/messages/truncate.js";

// Telegram Bot API sendMessage (docs/modules.md#telegram). Unlike MISP's built-in telegram-send-alert:
// plain text by default, our summary escaped for the chosen parse mode, long texts split
// on line boundaries, a retry without markup when Telegram cannot parse it, and errors
// that say what Telegram refused. The token is part of the URL: it is passed as a secret
// to the HTTP client and never logged.

/** Telegram's limit per message, in UTF-16 code units (JavaScript string length). */
export const TELEGRAM_MAX_LENGTH = 4096;
/** At most this many messages for one notification; the last one is truncated. */
export const TELEGRAM_MAX_PARTS = 5;

export type ParseMode = "HTML" | "MarkdownV2" | "Markdown";

/** Escapes plain text so that Telegram shows it literally in the given parse mode. */
export function escapeForParseMode(text: string, mode: ParseMode): string {
  switch (mode) {
    case "HTML":
      return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    case "MarkdownV2":
      return text.replace(/[_*[\]()~`>#+\-=|{}.!\\]/g, "\\$&");
    case "Markdown":
      return text.replace(/[_*`[]/g, "\\$&");
  }
}

/** `end`, moved back by one when it would cut a surrogate pair. */
function safeCut(text: string, end: number): number {
  const code = text.charCodeAt(end - 1);
  return code >= 0xd800 && code <= 0xdbff ? end - 1 : end;
}

/**
 * Plain text in messages of at most `max` UTF-16 units: cut at the last line break that
 * fits (a longer line is cut where it must), at most `maxParts` messages, the last one
 * truncated with a marker.
 */
export function splitPlainText(text: string, max = TELEGRAM_MAX_LENGTH, maxParts = TELEGRAM_MAX_PARTS): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.trim() !== "") {
    if (rest.length <= max) {
      parts.push(rest);
      break;
    }
    if (parts.length === maxParts - 1) {
      parts.push(truncateText(rest, max, `\n${TRUNCATION_MARKER}`));
      break;
    }
    let cut = rest.lastIndexOf("\n", max);
    if (cut <= 0) cut = safeCut(rest, max);
    const part = rest.slice(0, cut);
    if (part.trim() !== "") parts.push(part);
    rest = rest.slice(cut).replace(/^\n/, "");
  }
  return parts;
}

interface OutgoingMessage {
  text: string;
  parseMode?: ParseMode;
  /** What to send instead, without parse mode, when Telegram cannot parse `text`. */
  plain: string;
}

/** The messages for one notification (docs/modules.md#telegram). */
export function planMessages(text: string, parseMode: ParseMode | undefined, plainText: string): OutgoingMessage[] {
  if (parseMode && text.length <= TELEGRAM_MAX_LENGTH) return [{ text, parseMode, plain: plainText }];
  // Splitting markup could break entities: long formatted texts go out as plain chunks.
  return splitPlainText(parseMode ? plainText : text).map((t) => ({ text: t, plain: t }));
}

interface TelegramReply {
  ok?: boolean;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

const TOKEN_SHAPE = /^\d+:[A-Za-z0-9_-]+$/;
const CHAT_ID_SHAPE = /^(-?\d+|@[A-Za-z][A-Za-z0-9_]{3,})$/;

function readReply(res: HttpResponse): TelegramReply | undefined {
  const v = jsonBody(res);
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as TelegramReply) : undefined;
}

function failureText(res: HttpResponse, reply: TelegramReply | undefined, chatId: string, secrets: string[]): string {
  const description = typeof reply?.description === "string" ? reply.description : undefined;
  const retryAfter = reply?.parameters?.retry_after;
  if (res.status === 401) return `invalid bot token (HTTP 401${description ? ` ${description}` : ""})`;
  if (res.status === 403) return `the bot may not post to chat ${chatId}: ${description ?? "HTTP 403 Forbidden"}`;
  if (res.status === 429) {
    const wait = typeof retryAfter === "number" ? `, retry after ${retryAfter} s` : "";
    return `rate limited by Telegram${wait} (HTTP 429${description ? `: ${description}` : ""})`;
  }
  if (res.status === 404 && !description?.includes("chat")) return `${describeFailure(res, { secrets })} (check bot_token and api_url)`;
  if (description) {
    const moved = reply?.parameters?.migrate_to_chat_id;
    return moved !== undefined ? `${description} (the chat is now ${moved})` : description;
  }
  return describeFailure(res, { secrets });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ModuleError("deadline reached while waiting for Telegram's rate limit"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export default defineActionModule({
  meta: {
    description: "Send a message to a Telegram chat, group or channel through a bot (Bot API sendMessage).",
    name: "Telegram",
    version: "1.0",
    features:
      "Plain text by default (or HTML/MarkdownV2/Markdown), the event summary when no template is set, long texts split into up to 5 messages, " +
      "retry without markup when Telegram cannot parse it, rate-limit handling, self-hosted Bot API servers.",
    references: ["https://core.telegram.org/bots/api#sendmessage"],
    input: "Roaming data of any trigger; the message template is rendered by MISP.",
    output: "A Telegram message.",
  },
  icon: { name: "telegram", class: "fab" },
  params: {
    bot_token: param.secret({ required: true, description: "Bot token from @BotFather (123456:ABC…)." }),
    chat_id: param.string({ required: true, description: "Numeric chat id (groups: negative, e.g. -1001234567890) or @channelusername." }),
    message_body_template: param.template({
      description: "Message text, in the syntax of parse_mode (with HTML, escape event values with | e). Default: the event summary.",
    }),
    parse_mode: param.oneOf(["none", "HTML", "MarkdownV2", "Markdown"], {
      default: "none",
      placeholder: "HTML",
      description: "Formatting of the message text (HTML, MarkdownV2 or Markdown); empty or none sends plain text.",
    }),
    disable_notification: param.boolean({ default: false, description: "Deliver silently (no notification sound)." }),
    message_thread_id: param.integer({ min: 1, description: "Forum topic id in a supergroup. Default: none (the general topic)." }),
    api_url: param.url({
      default: "https://api.telegram.org",
      placeholder: "https://api.telegram.org",
      description: "Bot API server (for a self-hosted one).",
    }),
  },
  outbound: {
    // Telegram's flood control names the wait in the body (parameters.retry_after, seconds).
    retryAfterMs: (res) => {
      const s = (jsonBody({ body: res.body }) as TelegramReply | undefined)?.parameters?.retry_after;
      return typeof s === "number" && s >= 0 ? s * 1000 : undefined;
    },
    limits: { perMinute: 20 },
  },
  async handler({ params, data }, ctx) {
    const token = params.bot_token.trim();
    if (!TOKEN_SHAPE.test(token))
      throw new ParamError("bot_token", "does not look like a bot token (digits, a colon, then letters, digits, _ or -)");
    const chatId = params.chat_id.trim();
    if (!CHAT_ID_SHAPE.test(chatId)) throw new ParamError("chat_id", "must be a numeric chat id or @channelusername");
    const parseMode = params.parse_mode === "none" ? undefined : params.parse_mode;

    const template = params.message_body_template;
    let messages: OutgoingMessage[];
    if (template.trim() !== "") {
      messages = planMessages(template, parseMode, template);
    } else {
      const summary = eventSummary(data, { maxLength: TELEGRAM_MAX_LENGTH * TELEGRAM_MAX_PARTS });
      messages = planMessages(parseMode ? escapeForParseMode(summary, parseMode) : summary, parseMode, summary);
    }

    const url = `${params.api_url.replace(/\/+$/, "")}/bot${token}/sendMessage`;
    const send = (m: { text: string; parseMode?: ParseMode }) =>
      deliver(ctx, url, {
        what: "sending to Telegram",
        method: "POST",
        json: {
          chat_id: chatId,
          text: m.text,
          ...(m.parseMode ? { parse_mode: m.parseMode } : {}),
          ...(params.disable_notification ? { disable_notification: true } : {}),
          ...(params.message_thread_id !== undefined ? { message_thread_id: params.message_thread_id } : {}),
          link_preview_options: { is_disabled: true },
        },
        secrets: [token],
      });

    for (const [i, message] of messages.entries()) {
      const which = messages.length > 1 ? `message ${i + 1}/${messages.length}: ` : "";
      const before = i > 0 ? `; ${i} message${i > 1 ? "s" : ""} sent before` : "";
      try {
        await sendOne(ctx, send, message, chatId, token);
      } catch (e) {
        if (e instanceof ModuleError) throw new ModuleError(`${which}${e.message}${before}`);
        throw e;
      }
    }
    ctx.log.info({ chatId, messages: messages.length, parseMode: parseMode ?? "none" }, "telegram message sent");
  },
});

/** One message: resend without markup when Telegram cannot parse it; wait once for a rate limit that fits the deadline. */
async function sendOne(
  ctx: ModuleContext,
  send: (m: { text: string; parseMode?: ParseMode }) => Promise<HttpResponse>,
  message: OutgoingMessage,
  chatId: string,
  token: string,
): Promise<void> {
  let current: { text: string; parseMode?: ParseMode } = message;
  let waited = false;
  let fellBack = false;
  for (;;) {
    const res = await send(current);
    const reply = readReply(res);
    if (res.status >= 200 && res.status < 300 && reply?.ok === true) return;
    const description = reply?.description ?? "";
    if (current.parseMode && !fellBack && res.status === 400 && /can't parse entities/i.test(description)) {
      ctx.log.warn({ parseMode: current.parseMode, description }, "telegram: markup rejected, sending as plain text");
      current = { text: message.plain };
      fellBack = true;
      continue;
    }
    const retryAfter = reply?.parameters?.retry_after;
    if (res.status === 429 && !waited && typeof retryAfter === "number" && Date.now() + retryAfter * 1000 + 1000 < ctx.deadline) {
      waited = true;
      await sleep(retryAfter * 1000, ctx.signal);
      continue;
    }
    throw new ModuleError(failureText(res, reply, chatId, [token]));
  }
}
