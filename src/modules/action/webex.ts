import type { ModuleContext, ParamValues } from "../../sdk/index.js";
import { defineActionModule, ModuleError, param, ParamError } from "../../sdk/index.js";
import type { HttpResponse } from "../../sdk/index.js";
import { fitText } from "../shared/messages/fit.js";
import { describeFailure, jsonBody } from "../shared/messages/http-failure.js";
import { escapeMarkdown } from "../shared/messages/markdown-escape.js";
import { jsonPost, sendPrepared, type PreparedRequest } from "../shared/messages/prepared-request.js";
import { eventSummary } from "../shared/messages/summary.js";
import { truncateText } from "../shared/messages/truncate.js";
import { hashedDestination, hostOf } from "../shared/destination-key.js";

// Webex Messaging (docs/actions-chat.md): POST /v1/messages with a bot token to a room, in
// Markdown. Webex counts its limit in bytes (7439 per text field) and offers no idempotency
// key, so a failed send is not repeated automatically.

export const WEBEX_API_URL = "https://webexapis.com/v1";
export const WEBEX_MAX_BYTES = 7439;

const fitsBytes = (t: string) => Buffer.byteLength(t, "utf8") <= WEBEX_MAX_BYTES;

export interface WebexMessageInput {
  apiUrl: string;
  token: string;
  roomId: string;
  markdown: string;
  /** Plain alternative for clients without rich text. */
  text?: string;
  parentId?: string;
}

/** The Create-a-Message call (pure). */
export function buildWebexRequest(i: WebexMessageInput): PreparedRequest {
  const body: Record<string, string> = { roomId: i.roomId, markdown: fitText(truncateText(i.markdown, WEBEX_MAX_BYTES), fitsBytes) };
  if (i.text) body.text = fitText(truncateText(i.text, WEBEX_MAX_BYTES), fitsBytes);
  if (i.parentId) body.parentId = i.parentId;
  return jsonPost("posting to Webex", `${i.apiUrl.replace(/\/+$/, "")}/messages`, body, {
    headers: { authorization: `Bearer ${i.token}` },
    secrets: [i.token],
  });
}

/** "Could not find a room with provided ID. (tracking id ROUTER_…)" */
export function webexDetail(res: HttpResponse): string | undefined {
  const reply = jsonBody(res) as { message?: unknown; errors?: unknown; trackingId?: unknown } | undefined;
  if (!reply || typeof reply !== "object") return undefined;
  const descriptions = Array.isArray(reply.errors)
    ? reply.errors.map((e) => (e as { description?: unknown })?.description).filter((d): d is string => typeof d === "string")
    : [];
  const message = typeof reply.message === "string" && reply.message !== "" ? reply.message : descriptions[0];
  if (!message) return undefined;
  return typeof reply.trackingId === "string" ? `${message} (tracking id ${reply.trackingId})` : message;
}

const WEBEX_PARAMS = {
  bot_token: param.secret({
    required: true,
    description: "Bot access token (developer.webex.com, My Apps); the bot must be a member of the space.",
  }),
  room_id: param.string({ required: true, placeholder: "Y2lzY29zcGFyazovL3VzL1JPT00vMTIzNDU2", description: "Space (room) id." }),
  message_template: param.template({
    placeholder: "**{{ Event.info }}** ({{ Event.Orgc.name }})",
    description: "Message in Webex Markdown. Default: the event summary.",
  }),
  parent_id: param.string({
    placeholder: "Y2lzY29zcGFyazovL3VzL01FU1NBR0UvNzg5",
    description: "Reply to this message (thread). Default: a new message.",
  }),
  api_url: param.url({ default: WEBEX_API_URL, placeholder: WEBEX_API_URL, description: "Webex API base URL." }),
};

/** Checks the parameters and builds the request: run before queuing and on every attempt. */
function prepareWebex(
  params: ParamValues<typeof WEBEX_PARAMS>,
  data: unknown,
  filteredItems: readonly unknown[] | undefined,
  _ctx: ModuleContext,
): { req: PreparedRequest; token: string; markdown: string } {
  const token = params.bot_token.trim();
  if (/\s/.test(token)) throw new ParamError("bot_token", "must be a single word");
  const roomId = params.room_id.trim();
  if (!/^[A-Za-z0-9_=+/-]+$/.test(roomId)) throw new ParamError("room_id", "must be a Webex space id (letters, digits, - _ = + /)");
  let markdown: string;
  let text: string | undefined;
  if (params.message_template.trim() !== "") {
    markdown = params.message_template;
  } else {
    const summary = eventSummary(data, { maxLength: WEBEX_MAX_BYTES, extraction: filteredItems });
    const [first = "", ...rest] = summary.split("\n");
    // Markdown line breaks inside a paragraph need two spaces; the title in bold.
    markdown = [`**${escapeMarkdown(first)}**`, ...rest.map(escapeMarkdown)].join("  \n");
    text = summary;
  }
  const req = buildWebexRequest({
    apiUrl: params.api_url,
    token,
    roomId,
    markdown,
    text,
    parentId: params.parent_id.trim() || undefined,
  });
  return { req, token, markdown };
}

export default defineActionModule({
  meta: {
    description: "Post a Markdown message to a Webex space (room) as a bot.",
    name: "Webex",
    version: "1.0",
    features:
      "Create a Message with a bot token: the rendered Markdown template, else the event summary (escaped, with a plain-text alternative); " +
      "replies in a thread with parent_id; 7439-byte limit; Webex's own error text and tracking id.",
    references: ["https://developer.webex.com/docs/api/v1/messages/create-a-message"],
    input: "Roaming data (any trigger).",
    output: "A Webex message.",
  },
  icon: { name: "comments", class: "fas" },
  params: WEBEX_PARAMS,
  supportFilters: true,
  outbound: {
    // One destination per space (by a hash of its id). Webex has no idempotency key: a retry
    // after a lost answer may post twice (docs/delivery.md).
    destination: (p) => hashedDestination(hostOf(p.api_url), p.room_id.trim()),
    validate({ params, data, filteredItems }, ctx) {
      prepareWebex(params, data, filteredItems, ctx);
    },
  },
  async handler({ params, data, filteredItems }, ctx) {
    const { req, token, markdown } = prepareWebex(params, data, filteredItems, ctx);
    const res = await sendPrepared(ctx, req);
    const reply = jsonBody(res) as { id?: unknown } | undefined;
    if (res.status === 200 && typeof reply?.id === "string") {
      ctx.log.info({ bytes: Buffer.byteLength(markdown) }, "message posted to Webex");
      return;
    }
    if (res.status === 200) throw new ModuleError(describeFailure(res, { prefix: "unexpected answer from Webex", secrets: [token] }));
    throw new ModuleError(describeFailure(res, { detail: webexDetail(res), secrets: [token], rateLimitText: "rate limited by Webex" }));
  },
});
