import { param } from "../../../sdk/index.js";
import { escapeMarkdown } from "../messages/markdown-escape.js";
import { eventSummary } from "../messages/summary.js";

// Default title and Markdown description of a case or alert: the event summary, its first
// line as the title, the rest as Markdown lines (escaped: event data is shown literally).

export function defaultTitle(data: unknown, max = 512): string {
  return eventSummary(data, { maxLength: max }).split("\n")[0] ?? "[MISP] workflow notification";
}

export function defaultMarkdownDescription(data: unknown, o: { maxLength: number; extraction?: unknown; link?: string }): string {
  const lines = eventSummary(data, { maxLength: o.maxLength, extraction: o.extraction }).split("\n").slice(1);
  const md = lines.map(escapeMarkdown);
  if (o.link) md.push(`[Open the event in MISP](${o.link})`);
  return md.join("  \n") || "MISP workflow notification";
}

/** Tags from a rendered template: comma-, semicolon- or line-separated, trimmed, unique. */
export function splitTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[,;\r\n]+/)
        .map((t) => t.trim())
        .filter((t) => t !== ""),
    ),
  ];
}

/** Title, description and tags of an alert or case, MISP-rendered; empty means the defaults above. */
export const CASE_TEXT_PARAMS = {
  title: param.template({
    multiline: false,
    placeholder: "MISP: {{ Event.info }}",
    description: "Title. Default: the first line of the event summary.",
  }),
  description: param.template({
    placeholder: "**{{ Event.info }}** by {{ Event.Orgc.name }}",
    description: "Description (Markdown). Default: the event summary with a link back to MISP.",
  }),
  tags: param.template({
    multiline: false,
    placeholder: "misp, {{ Event.Orgc.name }}",
    description: "Tags, comma-separated. Default: the event's tags.",
  }),
};
