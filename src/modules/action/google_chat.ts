import { createHash } from "node:crypto";
import type { ParamValues } from "../../sdk/index.js";
import { defineActionModule, ModuleError, param, ParamError } from "../../sdk/index.js";
import { fitText, jsonBytes } from "../shared/messages/fit.js";
import { googleErrorDetail } from "../shared/messages/google-error.js";
import { describeFailure, jsonBody } from "../shared/messages/http-failure.js";
import { jsonPost, secretsOf, sendPrepared, type PreparedRequest } from "../shared/messages/prepared-request.js";
import { eventSummary } from "../shared/messages/summary.js";
import { truncateText } from "../shared/messages/truncate.js";
import { eventFacts, eventLink, threatLevelName, type EventFacts } from "../shared/roaming/event-facts.js";
import { hashedDestination, hostOf } from "../shared/destination-key.js";
import { MISP_LINK_SETTINGS, type MispLinkContext } from "../shared/roaming/misp-link-setting.js";

// Google Chat space webhook (docs/actions-chat.md): a text message or a cardsV2 card. The
// webhook URL carries the key and token (a credential). A requestId derived from the event
// and the message makes a resent request return the message already created.

/** Google Chat's limit for a whole message (text and cards). */
export const GOOGLE_CHAT_MAX_BYTES = 32_000;
/** Text messages are cut here (Chat shows at most 4096 characters of text). */
export const GOOGLE_CHAT_MAX_TEXT = 4096;

/** Card text is a small HTML subset: show our summary literally. */
export function escapeCardHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export interface GoogleChatMessageInput {
  webhookUrl: string;
  format: "text" | "card";
  title: string;
  /** Text for the chosen format (card: HTML subset, already escaped where needed). */
  text: string;
  facts?: EventFacts;
  link?: string;
  threadKey?: string;
  /** The outbox delivery id: the requestId's seed when the data has no event UUID. */
  deliveryId?: string;
}

function cardMessage(i: GoogleChatMessageInput, text: string): Record<string, unknown> {
  const widgets: unknown[] = [];
  if (text.trim() !== "") widgets.push({ textParagraph: { text } });
  const threat = i.facts ? threatLevelName(i.facts.threatLevelId) : undefined;
  if (threat) widgets.push({ decoratedText: { topLabel: "Threat level", text: threat } });
  if (i.link) widgets.push({ buttonList: { buttons: [{ text: "Open in MISP", onClick: { openLink: { url: i.link } } }] } });
  const header: Record<string, string> = { title: truncateText(i.title.replace(/\s+/g, " ").trim() || "MISP", 200) };
  if (i.facts?.orgName) header.subtitle = truncateText(i.facts.orgName, 200);
  return {
    fallbackText: truncateText(i.title, 200),
    cardsV2: [{ cardId: "misp-event", card: { header, sections: widgets.length > 0 ? [{ widgets }] : [] } }],
  };
}

/** The webhook call (pure). Its idempotency key is sent as requestId. */
export function buildGoogleChatRequest(i: GoogleChatMessageInput): PreparedRequest {
  let message: Record<string, unknown>;
  if (i.format === "text") {
    const text = [i.title, i.text].filter((s) => s.trim() !== "").join("\n");
    message = { text: fitText(truncateText(text, GOOGLE_CHAT_MAX_TEXT), (t) => jsonBytes({ text: t }) <= GOOGLE_CHAT_MAX_BYTES) };
  } else {
    const text = fitText(i.text, (t) => jsonBytes(cardMessage(i, t)) <= GOOGLE_CHAT_MAX_BYTES);
    message = cardMessage(i, text);
  }
  // Same event and message → same requestId, on every outbox attempt and on a resend by MISP.
  const seed = i.facts?.uuid || i.deliveryId;
  const key = seed
    ? createHash("sha256")
        .update(`${seed}\n${i.threadKey ?? ""}\n${JSON.stringify(message)}`)
        .digest("hex")
        .slice(0, 32)
    : undefined;
  const url = new URL(i.webhookUrl);
  if (i.threadKey) {
    url.searchParams.set("threadKey", i.threadKey);
    url.searchParams.set("messageReplyOption", "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD");
  }
  if (key) url.searchParams.set("requestId", `misp-${key}`);
  return jsonPost("posting to the Google Chat webhook", url.toString(), message, {
    headers: { "content-type": "application/json; charset=UTF-8" },
    urlIsSecret: true,
    secrets: [i.webhookUrl],
    idempotencyKey: key ? `misp-${key}` : undefined,
    retry: key !== undefined,
  });
}

const GOOGLE_CHAT_PARAMS = {
  webhook_url: param.url({
    secret: true,
    required: true,
    placeholder: "https://chat.googleapis.com/v1/spaces/AAAA…/messages?key=…&token=…",
    description: "The space's webhook URL (Apps & integrations, Webhooks). Required.",
  }),
  title: param.template({
    multiline: false,
    placeholder: "MISP: {{ Event.info }}",
    description: "First line (text) or card header. Default: the first line of the event summary.",
  }),
  message_template: param.template({
    placeholder: "*{{ Event.info }}* …",
    description: "Message text (text: Chat formatting; card: simple HTML). Default: the event summary.",
  }),
  format: param.oneOf(["text", "card"] as const, { default: "text", description: "text: a text message; card: a cardsV2 card." }),
  thread_key: param.template({
    multiline: false,
    placeholder: "misp-event-{{ Event.uuid }}",
    description: "Reply in the thread with this key (created when missing). Default: a new thread per message.",
  }),
};

/** Checks the parameters and builds the request: run before queuing and on every attempt. */
function prepareGoogleChat(
  params: ParamValues<typeof GOOGLE_CHAT_PARAMS>,
  data: unknown,
  filteredItems: readonly unknown[] | undefined,
  ctx: MispLinkContext,
): { req: PreparedRequest } {
  const u = new URL(params.webhook_url);
  if (!/^\/v1\/spaces\/[^/]+\/messages$/.test(u.pathname))
    throw new ParamError("webhook_url", "must be a Google Chat webhook URL (…/v1/spaces/<space>/messages?key=…&token=…)");
  const threadKey = params.thread_key.trim();
  if (threadKey.length > 4000) throw new ParamError("thread_key", "is too long");
  const facts = eventFacts(data);
  let title = params.title.trim();
  let text: string;
  if (params.message_template.trim() !== "") {
    text = params.message_template;
  } else {
    const [first = "", ...rest] = eventSummary(data, { maxLength: GOOGLE_CHAT_MAX_TEXT, extraction: filteredItems }).split("\n");
    if (title === "") title = first;
    else rest.unshift(first);
    text = params.format === "card" ? escapeCardHtml(rest.join("\n")) : rest.join("\n");
  }
  if (title === "" && params.format === "card") title = eventSummary(data, { maxLength: 200 }).split("\n")[0] ?? "MISP";
  const req = buildGoogleChatRequest({
    webhookUrl: params.webhook_url,
    format: params.format,
    title,
    text,
    facts,
    link: eventLink(ctx.settings.misp_base_url, facts?.id ?? ""),
    threadKey: threadKey || undefined,
    deliveryId: ctx.delivery.id,
  });
  return { req };
}

export default defineActionModule({
  meta: {
    description: "Post a message (text or card) to a Google Chat space through its webhook.",
    name: "Google Chat",
    version: "1.0",
    features:
      "Text (Chat's *bold* _italic_ syntax) or a cardsV2 card with the event's title, org, threat level and an Open-in-MISP button (misp_base_url setting); " +
      "optional thread key to keep one thread per event; 32 000-byte limit; Google's own error text; requestId so a resend posts once.",
    references: [
      "https://developers.google.com/workspace/chat/quickstart/webhooks",
      "https://developers.google.com/workspace/chat/api/reference/rest/v1/spaces.messages/create",
    ],
    input: "Roaming data (any trigger).",
    output: "A Google Chat message.",
  },
  icon: { name: "google", class: "fab" },
  params: GOOGLE_CHAT_PARAMS,
  supportFilters: true,
  serverSettings: MISP_LINK_SETTINGS,
  outbound: {
    // Google Chat allows about 60 message writes a minute per space; the key names the space by a hash.
    destination: (p) => hashedDestination(hostOf(p.webhook_url), spaceOf(p.webhook_url)),
    limits: { perMinute: 60 },
    validate({ params, data, filteredItems }, ctx) {
      prepareGoogleChat(params, data, filteredItems, ctx);
    },
  },
  async handler({ params, data, filteredItems }, ctx) {
    const { req } = prepareGoogleChat(params, data, filteredItems, ctx);
    const res = await sendPrepared(ctx, req);
    const reply = jsonBody(res) as { name?: unknown } | undefined;
    if (res.status === 200 && typeof reply?.name === "string") {
      ctx.log.info({ format: params.format, threaded: params.thread_key.trim() !== "" }, "message posted to Google Chat");
      return;
    }
    if (res.status === 200)
      throw new ModuleError(describeFailure(res, { prefix: "unexpected answer from Google Chat", secrets: secretsOf(req) }));
    throw new ModuleError(
      describeFailure(res, { detail: googleErrorDetail(res), secrets: secretsOf(req), rateLimitText: "rate limited by Google Chat" }),
    );
  },
});

/** The space part of a webhook URL (`/v1/spaces/<space>/messages`), "" when absent. */
function spaceOf(webhookUrl: string): string {
  try {
    return /^\/v1\/spaces\/([^/]+)\//.exec(new URL(webhookUrl).pathname)?.[1] ?? "";
  } catch {
    return "";
  }
}
