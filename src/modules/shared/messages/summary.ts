import { stringifyDeep } from "../json-text.js";
import { TRUNCATION_MARKER, truncateText } from "./truncate.js";

// The default message of messaging modules when their template parameter is ""
// (docs/actions-chat.md#parameters): a few plain-text lines about the event instead of a JSON dump of the roaming data.

/** Used when the caller gives no limit; small enough for every chat and mail channel. */
export const DEFAULT_SUMMARY_LENGTH = 4000;

const THREAT_LEVELS: Record<string, string> = { "1": "High", "2": "Medium", "3": "Low", "4": "Undefined" };
const ANALYSIS: Record<string, string> = { "0": "Initial", "1": "Ongoing", "2": "Completed" };
const MAX_TYPE_COUNTS = 5;

export interface SummaryOptions {
  /** Length limit of the whole text (JS string length); default DEFAULT_SUMMARY_LENGTH. */
  maxLength?: number;
  /** The module's non-empty hash-path extraction (matchingData value); appended as compact JSON. */
  extraction?: unknown;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A scalar field as text; "" when missing or not a scalar. */
function text(v: unknown): string {
  if (typeof v === "string") return v.trim();
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return "";
}

function yesNo(v: unknown): string {
  if (v === true || v === 1 || v === "1" || v === "true") return "yes";
  if (v === false || v === 0 || v === "0" || v === "false") return "no";
  return "";
}

/** Compact JSON that never throws (cycles, BigInt) and is "" for undefined. */
export function compactJson(value: unknown): string {
  try {
    return stringifyDeep(value) ?? "";
  } catch {
    return String(value);
  }
}

/** Every attribute, object attributes included (MISP's _AttributeFlattened, else built the same way). */
function attributeList(event: Record<string, unknown>): unknown[] | undefined {
  if (Array.isArray(event._AttributeFlattened)) return event._AttributeFlattened;
  const objects = Array.isArray(event.Object) ? event.Object.filter(isRecord).filter((o) => Array.isArray(o.Attribute)) : [];
  if (!Array.isArray(event.Attribute) && objects.length === 0) return undefined;
  return [...(Array.isArray(event.Attribute) ? event.Attribute : []), ...objects.flatMap((o) => o.Attribute as unknown[])];
}

/**
 * "ip-dst: 2, domain: 1, others: 4" — most frequent first, ties in order of first appearance. The
 * parts always add up to the total (object attributes included): types beyond the first few and
 * attributes without a type are counted as "others".
 */
function typeCounts(attributes: unknown[]): string {
  const counts = new Map<string, number>();
  for (const a of attributes) {
    const type = isRecord(a) ? text(a.type) : "";
    if (type !== "") counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  // Array.prototype.sort is stable, so equal counts keep insertion (first appearance) order.
  const shown = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, MAX_TYPE_COUNTS);
  const parts = shown.map(([type, n]) => `${type}: ${n}`);
  const others = attributes.length - shown.reduce((sum, [, n]) => sum + n, 0);
  if (others > 0 && parts.length > 0) parts.push(`others: ${others}`);
  return parts.join(", ");
}

function eventLines(event: Record<string, unknown>): string[] {
  const lines: string[] = [];
  const id = text(event.id);
  const info = text(event.info);
  lines.push(`[MISP] Event${id ? ` ${id}` : ""}${info ? `: ${info}` : ""}`);

  const uuid = text(event.uuid);
  if (uuid) lines.push(`UUID: ${uuid}`);

  const facts: string[] = [];
  const org = isRecord(event.Orgc) ? text(event.Orgc.name) : "";
  if (org) facts.push(`Creator org: ${org}`);
  const threat = THREAT_LEVELS[text(event.threat_level_id)];
  if (threat) facts.push(`Threat level: ${threat}`);
  const analysis = ANALYSIS[text(event.analysis)];
  if (analysis) facts.push(`Analysis: ${analysis}`);
  const published = yesNo(event.published);
  if (published) facts.push(`Published: ${published}`);
  if (facts.length > 0) lines.push(facts.join(" | "));

  const tags = Array.isArray(event.Tag) ? event.Tag.map((t) => (isRecord(t) ? text(t.name) : "")).filter((n) => n !== "") : [];
  if (tags.length > 0) lines.push(`Tags: ${tags.join(", ")}`);

  const attributes = attributeList(event);
  if (attributes) {
    const counts = typeCounts(attributes);
    lines.push(`Attributes: ${attributes.length}${counts ? ` (${counts})` : ""}`);
  }
  return lines;
}

/**
 * Plain-text summary of the roaming data (docs/actions-chat.md#parameters). Without an `Event`, the first line is
 * "[MISP] workflow notification" followed by the compact JSON of `data`. The result is at most
 * `maxLength` long; JSON parts are cut first, with a marker.
 */
export function eventSummary(data: unknown, opts: SummaryOptions = {}): string {
  const max = opts.maxLength ?? DEFAULT_SUMMARY_LENGTH;
  const event = isRecord(data) && isRecord(data.Event) ? data.Event : undefined;
  let head: string;
  if (event) {
    head = eventLines(event).join("\n");
  } else {
    const first = "[MISP] workflow notification";
    const json = compactJson(data);
    const room = max - first.length - 1;
    head = json && room > TRUNCATION_MARKER.length ? `${first}\n${truncateText(json, room)}` : first;
  }
  head = truncateText(head, max);
  if (opts.extraction === undefined) return head;
  const extracted = compactJson(opts.extraction);
  const room = max - head.length - 1;
  // Too little room left for anything but the marker: leave the extraction out.
  if (!extracted || room <= TRUNCATION_MARKER.length) return head;
  return `${head}\n${truncateText(extracted, room)}`;
}
