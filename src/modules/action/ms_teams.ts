import { defineActionModule, ModuleError, param, isSuccessStatus, serverSetting } from "../../sdk/index.js";
import { deliver } from "../shared/messages/deliver.js";
import { fitText, jsonBytes } from "../shared/messages/fit.js";
import { describeFailure, jsonBody } from "../shared/messages/http-failure.js";
import { eventSummary } from "../shared/messages/summary.js";
import { adaptiveCardMessage, adaptiveParagraphs, detectCardFormat, messageCard, type CardFormat } from "../shared/messages/teams-cards.js";
import { truncateText } from "../shared/messages/truncate.js";

// Posts to Microsoft Teams (docs/modules.md#ms_teams) through a Workflows (Power Automate) webhook with an
// Adaptive Card, or a legacy Office 365 connector with a MessageCard. MISP's built-in
// ms-teams-webhook form-posts the whole roaming data as JSON text, which Workflows refuse.

/** Keep the serialised request below this (connectors refuse ~28 KB, unverified). */
const MAX_PAYLOAD_BYTES = 25_000;
const MAX_TITLE = 500;
/** A message longer than this can never fit, whatever the escaping: cut it first. */
const PRE_CUT = MAX_PAYLOAD_BYTES;

function workflowError(body: unknown): string | undefined {
  const e = body && typeof body === "object" ? (body as { error?: { code?: unknown; message?: unknown } }).error : undefined;
  if (!e || typeof e !== "object") return undefined;
  const parts = [e.code, e.message].filter((p): p is string => typeof p === "string" && p !== "");
  return parts.length > 0 ? parts.join(": ") : undefined;
}

export default defineActionModule({
  meta: {
    description:
      "Post a card to a Microsoft Teams channel through a Workflows webhook (Adaptive Card) or a legacy connector (MessageCard).",
    name: "Microsoft Teams",
    version: "1.0",
    features:
      "Adaptive Card for Teams Workflows ('Post to a channel when a webhook request is received'), MessageCard for Office 365 connectors " +
      "(chosen from the URL, or forced). Title and text from templates, else an event summary; payload kept under 25 000 bytes.",
    references: [
      "https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook",
      "https://devblogs.microsoft.com/microsoft365dev/retirement-of-office-365-connectors-within-microsoft-teams/",
    ],
    input: "Roaming data (any trigger).",
    output: "A Teams channel message.",
  },
  icon: { name: "microsoft", class: "fab" },
  params: {
    webhook_url: param.url({
      secret: true,
      required: true,
      placeholder: "https://prod-00.westeurope.logic.azure.com/workflows/…",
      description:
        "Workflows webhook URL (…logic.azure.com… / …powerplatform.com…) or legacy connector URL (…webhook.office.com…). Required.",
    }),
    title: param.template({
      multiline: false,
      placeholder: "MISP: {{ Event.info }}",
      description: "Card title. Default: the first line of the event summary.",
    }),
    message_template: param.template({
      placeholder: "Event {{ Event.id }} …",
      description: "Card text (Markdown subset). Default: the event summary.",
    }),
    card_format: param.oneOf(["auto", "adaptive", "messagecard"] as const, {
      default: "auto",
      placeholder: "auto",
      description: "auto: MessageCard for *.webhook.office.com / outlook.office(365).com URLs, Adaptive Card otherwise.",
    }),
  },
  serverSettings: {
    adaptive_paragraphs: serverSetting.boolean({
      default: true,
      description: "Double single line breaks in Adaptive Card text (Teams may join lines otherwise); false keeps them as sent.",
    }),
  },
  outbound: {},
  async handler({ params, data }, ctx) {
    const format: CardFormat = params.card_format === "auto" ? detectCardFormat(params.webhook_url) : params.card_format;
    const summary = params.title.trim() === "" || params.message_template.trim() === "" ? eventSummary(data, { maxLength: PRE_CUT }) : "";
    const [firstLine, ...rest] = summary.split("\n");
    let title = params.title.trim() !== "" ? params.title.trim() : (firstLine ?? "");
    // With both defaulted, the first summary line is the title: do not repeat it in the text.
    let text =
      params.message_template.trim() !== ""
        ? params.message_template
        : params.title.trim() === "" && rest.length > 0
          ? rest.join("\n")
          : summary;
    title = truncateText(title.replace(/\s+/g, " "), MAX_TITLE);
    text = truncateText(text, PRE_CUT);
    // Setting `modules.ms_teams.adaptive_paragraphs` to false keeps single line breaks as sent.
    const paragraphs = format === "adaptive" && ctx.settings.adaptive_paragraphs;
    if (paragraphs) text = adaptiveParagraphs(text);
    const build = (t: string) => (format === "adaptive" ? adaptiveCardMessage(title, t) : messageCard(title, t));
    text = fitText(text, (t) => jsonBytes(build(t)) <= MAX_PAYLOAD_BYTES);
    const payload = build(text);

    const res = await deliver(ctx, params.webhook_url, {
      what: "posting to Teams",
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(payload),
      urlIsSecret: true,
    });
    if (!isSuccessStatus(res.status)) {
      throw new ModuleError(
        describeFailure(res, { detail: workflowError(jsonBody(res)), secrets: [params.webhook_url], rateLimitText: "throttled by Teams" }),
      );
    }
    if (format === "messagecard" && res.body.trim() !== "1") {
      // Legacy connectors answer "1"; anything else may be an error reported with HTTP 200.
      ctx.log.warn({ status: res.status, bodyChars: res.body.length }, "Teams connector did not answer 1");
    }
    ctx.log.info({ format, status: res.status, bytes: jsonBytes(payload) }, "card posted to Teams");
  },
});
