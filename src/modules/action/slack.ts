import { defineActionModule, ModuleError, param, ParamError, serverSetting } from "../../sdk/index.js";
import { deliver, requireParams } from "../shared/messages/deliver.js";
import { describeFailure, jsonBody } from "../shared/messages/http-failure.js";
import { messageText } from "../shared/messages/message-text.js";

// Posts to Slack (docs/modules.md#slack) with a bot token (chat.postMessage, the reference's way) or an
// incoming webhook. Slack answers HTTP 200 to failed API calls, so success is `ok: true`
// only; the reference swallowed those errors and told MISP everything went well.

const DEFAULT_API_URL = "https://slack.com/api";
/** Slack cuts messages above 40 000 characters; stay below with a marker. */
const MAX_TEXT = 39_000;

/** Slack's control characters in mrkdwn text (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

interface SlackApiReply {
  ok?: boolean;
  error?: string;
  response_metadata?: { messages?: string[] };
}

export default defineActionModule({
  meta: {
    description: "Post a message to a Slack channel (bot token or incoming webhook).",
    name: "Slack",
    version: "2.0",
    features:
      "chat.postMessage with a bot token, or an incoming webhook. The message is the rendered template, else a plain-text event summary. " +
      "Reports Slack's error code (not_in_channel, invalid_auth...) and rate limits instead of claiming success.",
    references: ["https://api.slack.com/methods/chat.postMessage", "https://api.slack.com/messaging/webhooks"],
    input: "Roaming data (any trigger).",
    output: "A Slack message.",
  },
  icon: { name: "slack", class: "fab" },
  params: {
    slack_bot_token: param.secret({
      description: "Bot token (xoxb-…) with chat:write; the bot must be in the channel. Not needed with webhook_url.",
    }),
    channel_id: param.string({ description: "Channel ID (C…) or name. Not needed with webhook_url." }),
    message_template: param.template({
      description: "Message text (Slack mrkdwn allowed). Default: a plain-text summary of the event. Cut at 39000 characters.",
    }),
    webhook_url: param.url({
      secret: true,
      description: "Incoming webhook URL (https://hooks.slack.com/services/…). When set, slack_bot_token and channel_id are ignored.",
    }),
  },
  supportFilters: true,
  // Webhook URLs are credentials: only their host names the destination.
  serverSettings: {
    api_url: serverSetting.text({ default: DEFAULT_API_URL, description: "Slack Web API base URL (bot-token mode)." }),
  },
  outbound: { destination: (p) => (p.webhook_url !== "" ? new URL(p.webhook_url).host : "api") },
  async handler({ params, data, filteredItems }, ctx) {
    const text = messageText({ template: params.message_template, data, filteredItems, maxLength: MAX_TEXT, escape: escapeSlack });

    if (params.webhook_url !== "") {
      const res = await deliver(ctx, params.webhook_url, {
        what: "posting to the Slack webhook",
        method: "POST",
        json: { text },
        urlIsSecret: true,
      });
      // Webhooks answer 200 "ok" (workflow triggers: JSON ok:true); failures carry a plain-text
      // code (invalid_payload, no_service...).
      if (res.status !== 200) throw new ModuleError(describeFailure(res, { secrets: [params.webhook_url] }));
      const accepted = res.body.trim() === "ok" || (jsonBody(res) as SlackApiReply | undefined)?.ok === true;
      if (!accepted)
        throw new ModuleError(describeFailure(res, { prefix: "unexpected answer from the Slack webhook", secrets: [params.webhook_url] }));
      ctx.log.info({ mode: "webhook", chars: text.length }, "message posted to Slack");
      return;
    }

    requireParams({ slack_bot_token: params.slack_bot_token, channel_id: params.channel_id }, "or set webhook_url");
    const base = ctx.settings.api_url.replace(/\/+$/, "");
    if (/[\r\n]/.test(params.slack_bot_token)) throw new ParamError("slack_bot_token", "must be a single line");
    const res = await deliver(ctx, `${base}/chat.postMessage`, {
      what: "posting to Slack",
      method: "POST",
      headers: { authorization: `Bearer ${params.slack_bot_token.trim()}`, "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ channel: params.channel_id.trim(), text }),
      secrets: [params.slack_bot_token],
    });
    const reply = jsonBody(res) as SlackApiReply | undefined;
    if (res.status !== 200) {
      throw new ModuleError(describeFailure(res, { detail: reply?.error, secrets: [params.slack_bot_token] }));
    }
    if (!reply || typeof reply !== "object")
      throw new ModuleError(describeFailure(res, { prefix: "unexpected answer from Slack", secrets: [params.slack_bot_token] }));
    if (reply.ok !== true) {
      const code = typeof reply.error === "string" && reply.error !== "" ? reply.error : "unknown_error";
      const notes = (reply.response_metadata?.messages ?? []).filter((m) => typeof m === "string").join("; ");
      throw new ModuleError(notes ? `${code} (${notes.slice(0, 300)})` : code);
    }
    ctx.log.info({ mode: "api", chars: text.length }, "message posted to Slack");
  },
});
