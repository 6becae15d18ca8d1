// Message payloads for Microsoft Teams (docs/modules.md#ms_teams): an Adaptive Card wrapped in a
// "message" activity for Workflows (Power Automate) webhooks, or a legacy connector
// MessageCard for Office 365 incoming webhooks.

export type CardFormat = "adaptive" | "messagecard";

/** Hosts of legacy Office 365 connector webhooks; every other host gets an Adaptive Card. */
const CONNECTOR_HOSTS = ["webhook.office.com", "outlook.office.com", "outlook.office365.com"];

export function detectCardFormat(url: string): CardFormat {
  const host = new URL(url).hostname.toLowerCase();
  return CONNECTOR_HOSTS.some((h) => host === h || host.endsWith(`.${h}`)) ? "messagecard" : "adaptive";
}

/**
 * Adaptive Card TextBlocks render a Markdown subset in which a single line break may be
 * collapsed; a blank line between lines keeps them apart.
 */
export function adaptiveParagraphs(text: string): string {
  return text.replace(/\r\n/g, "\n").replace(/\n+/g, (run) => (run.length === 1 ? "\n\n" : run));
}

export function adaptiveCardMessage(title: string, text: string): Record<string, unknown> {
  const body: Array<Record<string, unknown>> = [];
  if (title !== "") body.push({ type: "TextBlock", text: title, weight: "Bolder", size: "Medium", wrap: true });
  body.push({ type: "TextBlock", text, wrap: true });
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: { $schema: "http://adaptivecards.io/schemas/adaptive-card.json", type: "AdaptiveCard", version: "1.4", body },
      },
    ],
  };
}

export function messageCard(title: string, text: string): Record<string, unknown> {
  return { "@type": "MessageCard", "@context": "https://schema.org/extensions", summary: title || "MISP", title, text };
}
