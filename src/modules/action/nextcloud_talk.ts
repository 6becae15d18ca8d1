import { defineActionModule, ModuleError, param, ParamError, parseParam, isSuccessStatus } from "../../sdk/index.js";
import { BaseUrlError, normaliseBaseUrl } from "../shared/messages/base-url.js";
import { deliver, requireParams } from "../shared/messages/deliver.js";
import { describeFailure, jsonBody } from "../shared/messages/http-failure.js";
import { messageText } from "../shared/messages/message-text.js";
import { newReferenceId, signBotMessage } from "../shared/messages/talk-bot.js";

// Posts to a Nextcloud Talk conversation (docs/modules.md#nextcloud_talk) as a user with an app password (the
// reference's way) or as a Talk bot (HMAC-signed). The reference never checked the answer
// and always reported success; here only a 2xx with an OCS status other than "failure" is.

/** Talk messages are limited to 32 000 characters. */
const MAX_TEXT = 32_000;

interface OcsMeta {
  status?: string;
  statuscode?: number;
  message?: string;
}

/** `ocs.meta` of an OCS envelope ({"ocs": {"meta": {...}, "data": ...}}), if the body is one. */
function ocsMeta(body: unknown): OcsMeta | undefined {
  if (!body || typeof body !== "object") return undefined;
  const ocs = (body as { ocs?: { meta?: OcsMeta } }).ocs;
  return ocs && typeof ocs === "object" && ocs.meta && typeof ocs.meta === "object" ? ocs.meta : undefined;
}

export default defineActionModule({
  meta: {
    description: "Post a message to a Nextcloud Talk conversation (as a user with an app password, or as a Talk bot).",
    name: "Nextcloud Talk",
    version: "2.0",
    features:
      "User mode: OCS chat API with HTTP Basic auth (login + app password). Bot mode: bot API signed with the bot secret (Nextcloud 27.1+). " +
      "Optional silent messages and TLS opt-out. Reports the HTTP status and OCS message instead of claiming success.",
    references: ["https://nextcloud-talk.readthedocs.io/en/latest/chat/", "https://nextcloud-talk.readthedocs.io/en/latest/bots/"],
    input: "Roaming data (any trigger).",
    output: "A Talk chat message.",
  },
  icon: { name: "comment-dots", class: "fas" },
  params: {
    nextcloud_baseurl: param.string({
      placeholder: "https://cloud.example.org",
      description: "Nextcloud URL (https:// is added when missing; port and path prefix are kept). Required.",
    }),
    nextcloud_app_uuid_login: param.string({ description: "Login of the posting user (user mode). Not needed with bot_secret." }),
    app_access_token: param.secret({ description: "App password of that user (user mode). Not needed with bot_secret." }),
    nextcloud_conversation_token: param.string({ description: "Conversation token (the last part of the conversation's URL). Required." }),
    message_template: param.template({
      description: "Message text (Markdown). Default: a plain-text summary of the event. Cut at 32000 characters.",
    }),
    bot_secret: param.secret({
      description:
        "Shared secret of a Talk bot (occ talk:bot:install). When set, the message is posted as the bot and the user credentials are ignored.",
    }),
    silent: param.boolean({ default: false, description: "Post without notifying the participants." }),
    verify_tls: param.boolean({ default: true, description: "Verify the server's TLS certificate (false for self-signed servers)." }),
  },
  supportFilters: true,
  outbound: {},
  async handler({ params, data, filteredItems }, ctx) {
    const botMode = params.bot_secret !== "";
    requireParams(
      botMode
        ? { nextcloud_baseurl: params.nextcloud_baseurl, nextcloud_conversation_token: params.nextcloud_conversation_token }
        : {
            nextcloud_baseurl: params.nextcloud_baseurl,
            nextcloud_app_uuid_login: params.nextcloud_app_uuid_login,
            app_access_token: params.app_access_token,
            nextcloud_conversation_token: params.nextcloud_conversation_token,
          },
      botMode ? undefined : "or set bot_secret",
    );
    const base: string = parseParam("nextcloud_baseurl", BaseUrlError, () => normaliseBaseUrl(params.nextcloud_baseurl));
    const conversation = encodeURIComponent(params.nextcloud_conversation_token.trim());
    const message = messageText({ template: params.message_template, data, filteredItems, maxLength: MAX_TEXT });
    const headers: Record<string, string> = { "ocs-apirequest": "true", accept: "application/json", "content-type": "application/json" };
    const body: Record<string, unknown> = { message };
    const secrets = [params.app_access_token, params.bot_secret, params.nextcloud_conversation_token].filter((s) => s !== "");
    let url: string;

    if (botMode) {
      const { random, signature } = signBotMessage(params.bot_secret, message);
      headers["x-nextcloud-talk-bot-random"] = random;
      headers["x-nextcloud-talk-bot-signature"] = signature;
      body.referenceId = newReferenceId();
      url = `${base}/ocs/v2.php/apps/spreed/api/v1/bot/${conversation}/message`;
    } else {
      const login = params.nextcloud_app_uuid_login.trim();
      if (login.includes(":")) throw new ParamError("nextcloud_app_uuid_login", 'must not contain ":"');
      headers.authorization = `Basic ${Buffer.from(`${login}:${params.app_access_token.trim()}`, "utf8").toString("base64")}`;
      secrets.push(headers.authorization.slice("Basic ".length));
      url = `${base}/ocs/v2.php/apps/spreed/api/v1/chat/${conversation}`;
    }
    if (params.silent) body.silent = true;

    const res = await deliver(ctx, url, {
      what: `posting to Nextcloud Talk${botMode ? " as a bot" : ""}`,
      method: "POST",
      headers,
      body: JSON.stringify(body),
      verifyTls: params.verify_tls,
      secrets,
    });
    const meta = ocsMeta(jsonBody(res));
    if (!isSuccessStatus(res.status) || meta?.status === "failure") {
      throw new ModuleError(describeFailure(res, { detail: meta?.message, secrets }));
    }
    ctx.log.info({ mode: botMode ? "bot" : "user", status: res.status, chars: message.length }, "message posted to Nextcloud Talk");
  },
});
