import { defineActionModule, ModuleError, param, ParamError } from "../../sdk/index.js";
import type { HttpResponse, ParamValues } from "../../sdk/index.js";
import { describeFailure, jsonBody } from "../shared/messages/http-failure.js";
import { escapeMarkdown } from "../shared/messages/markdown-escape.js";
import { messageText } from "../shared/messages/message-text.js";
import { jsonPost, secretsOf, sendPrepared, type PreparedRequest } from "../shared/messages/prepared-request.js";
import { eventSummary } from "../shared/messages/summary.js";
import { truncateText } from "../shared/messages/truncate.js";
import { eventFacts, eventLink, threatLevelName, type EventFacts } from "../shared/roaming/event-facts.js";
import { hashedDestination, hostOf } from "../shared/destination-key.js";
import { MISP_LINK_SETTINGS, type MispLinkContext } from "../shared/roaming/misp-link-setting.js";

// Discord incoming webhook (docs/actions-chat.md): an embed (title, description, colour by
// threat level, facts as fields) or plain content. Mentions are switched off so that event
// data cannot ping @everyone; ?wait=true makes Discord confirm the message was created.

export const DISCORD_LIMITS = { content: 2000, title: 256, description: 4096, fieldValue: 1024, footer: 2048, embedTotal: 6000 } as const;
const COLOURS: Record<string, number> = { "1": 0xd9534f, "2": 0xf0ad4e, "3": 0xf7e463, "4": 0x9e9e9e };
const WEBHOOK_PATH = /\/api(?:\/v\d+)?\/webhooks\/\d+\/[^/?#]+\/?$/;

export interface DiscordMessageInput {
  webhookUrl: string;
  format: "embed" | "text";
  title: string;
  text: string;
  facts?: EventFacts;
  link?: string;
  username?: string;
  threadId?: string;
}

interface Embed {
  title: string;
  description?: string;
  url?: string;
  color?: number;
  fields?: Array<{ name: string; value: string; inline?: boolean }>;
  footer?: { text: string };
  timestamp?: string;
}

function embedChars(e: Embed): number {
  return (
    e.title.length +
    (e.description?.length ?? 0) +
    (e.footer?.text.length ?? 0) +
    (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

/** The webhook execution (pure); Discord offers no idempotency key for webhooks. */
export function buildDiscordRequest(i: DiscordMessageInput): PreparedRequest {
  const url = new URL(i.webhookUrl);
  url.searchParams.set("wait", "true");
  if (i.threadId) url.searchParams.set("thread_id", i.threadId);
  const body: Record<string, unknown> = { allowed_mentions: { parse: [] } };
  if (i.username) body.username = i.username;
  if (i.format === "text") {
    const content = [i.title, i.text].filter((s) => s.trim() !== "").join("\n");
    body.content = truncateText(content, DISCORD_LIMITS.content);
  } else {
    const embed: Embed = { title: truncateText(i.title.replace(/\s+/g, " ").trim() || "MISP", DISCORD_LIMITS.title) };
    if (i.link) embed.url = i.link;
    const f = i.facts;
    if (f) {
      const colour = COLOURS[f.threatLevelId];
      if (colour !== undefined) embed.color = colour;
      const fields: Embed["fields"] = [];
      const threat = threatLevelName(f.threatLevelId);
      if (threat) fields.push({ name: "Threat level", value: threat, inline: true });
      if (f.orgName) fields.push({ name: "Creator org", value: truncateText(f.orgName, DISCORD_LIMITS.fieldValue), inline: true });
      if (f.tags.length > 0)
        fields.push({
          name: "Tags",
          value: truncateText(f.tags.map((t) => `\`${t.replace(/`/g, "'")}\``).join(" "), DISCORD_LIMITS.fieldValue),
        });
      if (fields.length > 0) embed.fields = fields;
      if (f.uuid) embed.footer = { text: `MISP event ${f.uuid}` };
      if (f.timestamp) embed.timestamp = new Date(f.timestamp * 1000).toISOString();
    }
    // The description takes what the other parts leave of the 6000-character budget.
    const room = Math.min(DISCORD_LIMITS.description, DISCORD_LIMITS.embedTotal - embedChars(embed));
    if (i.text.trim() !== "" && room > 20) embed.description = truncateText(i.text, room);
    body.embeds = [embed];
  }
  return jsonPost("posting to the Discord webhook", url.toString(), body, { urlIsSecret: true, secrets: [i.webhookUrl] });
}

interface DiscordError {
  message?: unknown;
  code?: unknown;
  errors?: unknown;
  retry_after?: unknown;
}

/** The first nested `_errors` entry of an "Invalid Form Body" reply, as "embeds.0.title: Must be 256 or fewer in length.". */
function firstFieldError(errors: unknown, path: string[] = [], depth = 0): string | undefined {
  if (!errors || typeof errors !== "object" || depth > 8) return undefined;
  const rec = errors as Record<string, unknown>;
  if (Array.isArray(rec._errors)) {
    const e = rec._errors[0] as { message?: unknown } | undefined;
    if (typeof e?.message === "string") return `${path.join(".")}: ${e.message}`;
  }
  for (const [k, v] of Object.entries(rec)) {
    const found = firstFieldError(v, [...path, k], depth + 1);
    if (found) return found;
  }
  return undefined;
}

export function discordDetail(res: HttpResponse): string | undefined {
  const reply = jsonBody(res) as DiscordError | undefined;
  if (!reply || typeof reply !== "object" || typeof reply.message !== "string") return undefined;
  let text = typeof reply.code === "number" && reply.code !== 0 ? `${reply.message} (code ${reply.code})` : reply.message;
  const field = firstFieldError(reply.errors);
  if (field) text += ` ${field}`;
  if (res.status === 429 && !res.headers["retry-after"] && typeof reply.retry_after === "number")
    text += ` (retry after ${reply.retry_after} s)`;
  return text;
}

/** Checks the parameters and builds the request: run before queuing and on every attempt. */
function prepareDiscord(
  params: ParamValues<typeof DISCORD_PARAMS>,
  data: unknown,
  filteredItems: readonly unknown[] | undefined,
  ctx: MispLinkContext,
): { req: PreparedRequest } {
  if (!WEBHOOK_PATH.test(new URL(params.webhook_url).pathname))
    throw new ParamError("webhook_url", "must be a Discord webhook URL (…/api/webhooks/<id>/<token>)");
  const username = params.username.trim();
  if (username.length > 80) throw new ParamError("username", "must be at most 80 characters");
  const threadId = params.thread_id.trim();
  if (threadId !== "" && !/^\d+$/.test(threadId)) throw new ParamError("thread_id", "must be a numeric thread id");
  const facts = eventFacts(data);

  const max = params.format === "text" ? DISCORD_LIMITS.content : DISCORD_LIMITS.description;
  let title = params.title.trim();
  let text: string;
  if (params.message_template.trim() !== "") {
    text = messageText({ template: params.message_template, data, maxLength: max });
  } else {
    // The summary's first line is the title unless one is set: do not repeat it.
    const [first = "", ...rest] = eventSummary(data, { maxLength: max, extraction: filteredItems }).split("\n");
    if (title === "") title = first;
    else rest.unshift(first);
    text = escapeMarkdown(rest.join("\n"));
  }
  if (title === "") title = eventSummary(data, { maxLength: DISCORD_LIMITS.title }).split("\n")[0] ?? "MISP";
  const req = buildDiscordRequest({
    webhookUrl: params.webhook_url,
    format: params.format,
    title: params.format === "text" && params.message_template.trim() !== "" && params.title.trim() === "" ? "" : title,
    text,
    facts,
    link: eventLink(ctx.settings.misp_base_url, facts?.id ?? ""),
    username: username || undefined,
    threadId: threadId || undefined,
  });
  return { req };
}

const DISCORD_PARAMS = {
  webhook_url: param.url({
    secret: true,
    required: true,
    placeholder: "https://discord.com/api/webhooks/123456789012345678/…",
    description: "Incoming webhook URL (channel settings, Integrations, Webhooks). Required.",
  }),
  title: param.template({
    multiline: false,
    placeholder: "MISP: {{ Event.info }}",
    description: "Embed title (256 characters). Default: the first line of the event summary.",
  }),
  message_template: param.template({
    placeholder: "**{{ Event.info }}** …",
    description: "Message (Discord Markdown). Default: the event summary, escaped.",
  }),
  format: param.oneOf(["embed", "text"] as const, {
    default: "embed",
    description: "embed: a card with fields; text: plain content (2000 characters).",
  }),
  username: param.string({
    placeholder: "MISP",
    description: "Name shown as the sender (1-80 characters). Default: the webhook's name.",
  }),
  thread_id: param.string({
    placeholder: "1234567890123456789",
    description: "Post into this thread of the channel (forum posts). Default: none.",
  }),
};

export default defineActionModule({
  meta: {
    description: "Post a message (embed or plain text) to a Discord channel through an incoming webhook.",
    name: "Discord",
    version: "1.0",
    features:
      "An embed with the event's title, summary, threat-level colour, org and tags, and a link back to MISP (misp_base_url setting), or plain content. " +
      "Mentions are disabled; Discord's limits (2000/4096/6000 characters) are respected; Discord's own error text and rate limits are reported.",
    references: ["https://discord.com/developers/docs/resources/webhook#execute-webhook"],
    input: "Roaming data (any trigger).",
    output: "A Discord message.",
  },
  icon: { name: "discord", class: "fab" },
  params: DISCORD_PARAMS,
  supportFilters: true,
  serverSettings: MISP_LINK_SETTINGS,
  outbound: {
    // Discord limits each webhook (about 30 requests a minute) and gives its wait as JSON
    // retry_after (seconds) as well as in the headers.
    destination: (p) => hashedDestination(hostOf(p.webhook_url), p.webhook_url),
    limits: { perMinute: 30 },
    retryAfterMs: discordRetryAfterMs,
    validate({ params, data, filteredItems }, ctx) {
      prepareDiscord(params, data, filteredItems, ctx);
    },
  },
  async handler({ params, data, filteredItems }, ctx) {
    const { req } = prepareDiscord(params, data, filteredItems, ctx);
    const res = await sendPrepared(ctx, req);
    if (res.status === 200 || res.status === 204) {
      ctx.log.info({ format: params.format, status: res.status }, "message posted to Discord");
      return;
    }
    throw new ModuleError(
      describeFailure(res, { detail: discordDetail(res), secrets: secretsOf(req), rateLimitText: "rate limited by Discord" }),
    );
  },
});

/** Discord's JSON `retry_after` (seconds, may be fractional) of a 429, in ms. */
export function discordRetryAfterMs(res: { status: number; body: string }): number | undefined {
  if (res.status !== 429) return undefined;
  const s = (jsonBody(res) as DiscordError | undefined)?.retry_after;
  return typeof s === "number" && Number.isFinite(s) && s >= 0 ? Math.ceil(s * 1000) : undefined;
}
