import { eventSummary } from "./summary.js";
import { truncateText } from "./truncate.js";

// The text a chat module posts: the template MISP rendered for us, used as is (it is never
// rendered again, docs/protocol.md#jinja-params), or the default summary when the template came back "".

export interface MessageTextOptions {
  /** The rendered message_template ("" = unset, or the template raised an error). */
  template: string;
  data: unknown;
  /** Channel limit (JS string length) including the truncation marker. */
  maxLength: number;
  /** Items kept by the node's filter, appended to the summary. */
  filteredItems?: readonly unknown[];
  /** Applied to the summary only (templates may carry the channel's markup on purpose). */
  escape?: (text: string) => string;
}

export function messageText(o: MessageTextOptions): string {
  if (o.template.trim() !== "") return truncateText(o.template, o.maxLength);
  const summary = eventSummary(o.data, { maxLength: o.maxLength, extraction: o.filteredItems });
  return o.escape ? truncateText(o.escape(summary), o.maxLength) : summary;
}
