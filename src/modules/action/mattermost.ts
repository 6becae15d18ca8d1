import { defineActionModule, ModuleError, param, ParamError, parseParam, isSuccessStatus } from "../../sdk/index.js";
import { BaseUrlError, normaliseBaseUrl } from "../shared/messages/base-url.js";
import { deliver, requireParams } from "../shared/messages/deliver.js";
import { describeFailure, jsonBody } from "../shared/messages/http-failure.js";
import { messageText } from "../shared/messages/message-text.js";

// Posts to Mattermost (docs/modules.md#mattermost): REST API with a bot token (the reference's way, minus its
// extra users/me call and its port-443-even-for-http parsing) or an incoming webhook.
// Success only on Mattermost's 2xx; its error `message` is shown otherwise.

/** Posts are limited to 16 383 characters; stay below with a marker. */
const MAX_TEXT = 16_000;

function vendorMessage(body: unknown): string | undefined {
  if (body && typeof body === "object" && typeof (body as { message?: unknown }).message === "string")
    return (body as { message: string }).message;
  return undefined;
}

export default defineActionModule({
  meta: {
    description: "Post a message to a Mattermost channel (bot token or incoming webhook).",
    name: "Mattermost",
    version: "2.0",
    features:
      "POST /api/v4/posts with a bot or personal access token, or an incoming webhook. The message is the rendered template, else a " +
      "plain-text event summary (cut at 16000 characters). Reports Mattermost's error message instead of a generic failure.",
    references: [
      "https://developers.mattermost.com/api-documentation/#/operations/CreatePost",
      "https://developers.mattermost.com/integrate/webhooks/incoming/",
    ],
    input: "Roaming data (any trigger).",
    output: "A Mattermost post.",
  },
  icon: { name: "comments", class: "fas" },
  params: {
    mattermost_hostname: param.string({
      placeholder: "https://chat.example.org",
      description: "Server URL or host name (https:// is added when missing; port and path prefix are kept). Not needed with webhook_url.",
    }),
    bot_access_token: param.secret({
      description: "Bot or personal access token, sent as 'Authorization: Bearer'. Not needed with webhook_url.",
    }),
    channel_id: param.string({ description: "Channel ID (26 characters, from the channel's 'View Info'). Not needed with webhook_url." }),
    message_template: param.template({ description: "Message text (Markdown). Default: a plain-text summary of the event." }),
    webhook_url: param.url({
      secret: true,
      description: "Incoming webhook URL (https://chat.example.org/hooks/…). When set, the three API parameters are ignored.",
    }),
    verify_tls: param.boolean({ default: true, description: "Verify the server's TLS certificate (false for self-signed test servers)." }),
  },
  supportFilters: true,
  outbound: {},
  async handler({ params, data, filteredItems }, ctx) {
    const text = messageText({ template: params.message_template, data, filteredItems, maxLength: MAX_TEXT });

    if (params.webhook_url !== "") {
      const res = await deliver(ctx, params.webhook_url, {
        what: "posting to the Mattermost webhook",
        method: "POST",
        json: { text },
        verifyTls: params.verify_tls,
        urlIsSecret: true,
      });
      if (!isSuccessStatus(res.status)) {
        throw new ModuleError(describeFailure(res, { detail: vendorMessage(jsonBody(res)), secrets: [params.webhook_url] }));
      }
      ctx.log.info({ mode: "webhook", chars: text.length }, "message posted to Mattermost");
      return;
    }

    requireParams(
      { mattermost_hostname: params.mattermost_hostname, bot_access_token: params.bot_access_token, channel_id: params.channel_id },
      "or set webhook_url",
    );
    const base: string = parseParam("mattermost_hostname", BaseUrlError, () => normaliseBaseUrl(params.mattermost_hostname));
    if (/[\r\n]/.test(params.bot_access_token)) throw new ParamError("bot_access_token", "must be a single line");
    const res = await deliver(ctx, `${base}/api/v4/posts`, {
      what: "posting to Mattermost",
      method: "POST",
      headers: {
        authorization: `Bearer ${params.bot_access_token.trim()}`,
        accept: "application/json",
        "content-type": "application/json",
      },
      body: JSON.stringify({ channel_id: params.channel_id.trim(), message: text }),
      verifyTls: params.verify_tls,
      secrets: [params.bot_access_token],
    });
    if (!isSuccessStatus(res.status)) {
      throw new ModuleError(describeFailure(res, { detail: vendorMessage(jsonBody(res)), secrets: [params.bot_access_token] }));
    }
    ctx.log.info({ mode: "api", status: res.status, chars: text.length }, "message posted to Mattermost");
  },
});
