// From export records to RFC 5424 messages (docs/actions-siem.md#syslog). Pure: the same
// records, options and clock give the same bytes, so an outbox can queue them.

import { stringifyDeep } from "../../shared/json-text.js";
import type { ExportRecord } from "../../shared/export-records/index.js";
import { cefMessage, type CefProduct } from "./cef.js";
import { leefMessage } from "./leef.js";
import { attributeTags, eventTags, THREAT_LEVEL_NAMES, threatLevel } from "./misp-fields.js";
import { escapeSdValue, formatHeader, formatMessage, formatSd, type Facility, type SdElement, type Severity } from "./rfc5424.js";

export type PayloadFormat = "json" | "cef" | "leef";
export type Oversize = "truncate" | "split";

export interface SyslogOptions {
  format: PayloadFormat;
  facility: Facility;
  /** A fixed severity, or undefined: from the event's threat level. */
  severity?: Severity;
  hostname: string;
  appName: string;
  /** SD-ID of the MISP element, e.g. "misp@32473" (32473: the documentation enterprise number). */
  sdId: string;
  product: CefProduct;
  /** Largest message in bytes (framing excluded). */
  maxBytes: number;
  oversize: Oversize;
  bom: boolean;
}

/** Syslog severity from MISP's threat level: High → crit, Medium → warning, Low → notice, Undefined → info. */
export const SEVERITY_FROM_THREAT_LEVEL: Readonly<Record<string, Severity>> = { "1": "crit", "2": "warning", "3": "notice", "4": "info" };

export const TRUNCATION_MARKER = "...[truncated]";
/** Tags carried as SD params, at most (the MSG has all of them). */
const MAX_SD_TAGS = 32;
const MAX_SD_INFO = 256;

export class MessageSizeError extends Error {}

export interface BuiltMessages {
  messages: Buffer[];
  truncated: number;
  split: number;
}

function mispElement(record: ExportRecord, sdId: string, extra: [string, string][]): SdElement {
  const event = record.origin?.event ?? {};
  const attribute = record.origin?.attribute;
  const params: [string, string][] = [];
  const add = (n: string, v: unknown) => {
    if (typeof v === "string" && v !== "") params.push([n, v]);
    else if (typeof v === "number") params.push([n, String(v)]);
  };
  add("event_uuid", event.uuid);
  add("event_id", event.id);
  const level = threatLevel(event);
  if (level) add("threat_level", THREAT_LEVEL_NAMES[level] ?? level);
  if (typeof event.info === "string") add("info", event.info.slice(0, MAX_SD_INFO));
  if (attribute) {
    add("attribute_uuid", attribute.uuid);
    add("type", attribute.type);
    add("category", attribute.category);
    if (typeof attribute.to_ids === "boolean") add("to_ids", attribute.to_ids ? "1" : "0");
  }
  const tags = [...eventTags(event), ...(attribute ? attributeTags(attribute) : [])];
  for (const t of tags.slice(0, MAX_SD_TAGS)) add("tag", t);
  params.push(...extra);
  return { id: sdId, params };
}

function payload(record: ExportRecord, o: SyslogOptions): string {
  if (o.format === "cef") return cefMessage(record.origin, o.product);
  if (o.format === "leef") return leefMessage(record.origin, o.product);
  return stringifyDeep(record.event) ?? "null";
}

/** The longest prefix of `text` of at most `bytes` UTF-8 bytes that does not cut a character or a backslash escape. */
export function utf8Prefix(text: string, bytes: number): string {
  const buf = Buffer.from(text, "utf8");
  if (buf.length <= bytes) return text;
  let end = Math.max(0, bytes);
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--;
  let out = buf.subarray(0, end).toString("utf8");
  // An odd run of trailing backslashes would escape the marker.
  const run = /\\+$/.exec(out)?.[0].length ?? 0;
  if (run % 2 === 1) out = out.slice(0, -1);
  return out;
}

/** The messages for the records, each at most `maxBytes` (cut or split per `oversize`). */
export function buildSyslogMessages(records: readonly ExportRecord[], o: SyslogOptions, now: number): BuiltMessages {
  const out: BuiltMessages = { messages: [], truncated: 0, split: 0 };
  for (const record of records) {
    const event = record.origin?.event ?? {};
    const severity = o.severity ?? SEVERITY_FROM_THREAT_LEVEL[threatLevel(event) ?? ""] ?? "notice";
    const header = formatHeader({
      facility: o.facility,
      severity,
      time: now,
      hostname: o.hostname,
      appName: o.appName,
      procId: "",
      msgId: record.origin?.attribute ? "misp-attribute" : "misp-event",
    });
    const msg = payload(record, o);
    const whole = formatMessage(header, formatSd([mispElement(record, o.sdId, [])]), msg, o.bom);
    if (whole.length <= o.maxBytes) {
      out.messages.push(whole);
      continue;
    }
    const msgBytes = Buffer.byteLength(msg, "utf8");
    if (o.oversize === "truncate") {
      const sd = formatSd([mispElement(record, o.sdId, [["truncated", String(msgBytes)]])]);
      const room = o.maxBytes - formatMessage(header, sd, " ", o.bom).length + 1 - Buffer.byteLength(TRUNCATION_MARKER);
      if (room < 1)
        throw new MessageSizeError(`max_message_bytes ${o.maxBytes} leaves no room for the message after the header and structured data`);
      out.messages.push(formatMessage(header, sd, utf8Prefix(msg, room) + TRUNCATION_MARKER, o.bom));
      out.truncated++;
      continue;
    }
    // split: parts of the MSG, each message saying part="i/n" and the full size.
    const widest = (n: number) =>
      formatSd([
        mispElement(record, o.sdId, [
          ["part", `${n}/${n}`],
          ["size", String(msgBytes)],
        ]),
      ]);
    let n = 1;
    let chunks: string[] = [];
    for (let guard = 0; guard < 8; guard++) {
      const room = o.maxBytes - formatMessage(header, widest(n), " ", o.bom).length + 1;
      if (room < 8)
        throw new MessageSizeError(`max_message_bytes ${o.maxBytes} leaves no room for the message after the header and structured data`);
      chunks = splitUtf8(msg, room);
      if (String(chunks.length).length <= String(n).length) break;
      n = chunks.length;
    }
    for (const [i, chunk] of chunks.entries()) {
      const sd = formatSd([
        mispElement(record, o.sdId, [
          ["part", `${i + 1}/${chunks.length}`],
          ["size", String(msgBytes)],
        ]),
      ]);
      out.messages.push(formatMessage(header, sd, chunk, o.bom && i === 0));
    }
    out.split++;
  }
  return out;
}

/** Cuts text into pieces of at most `bytes` UTF-8 bytes on character boundaries. */
export function splitUtf8(text: string, bytes: number): string[] {
  const buf = Buffer.from(text, "utf8");
  const parts: string[] = [];
  let start = 0;
  while (start < buf.length) {
    let end = Math.min(buf.length, start + bytes);
    if (end < buf.length) while (end > start && (buf[end] & 0xc0) === 0x80) end--;
    parts.push(buf.subarray(start, end).toString("utf8"));
    start = end;
  }
  return parts;
}

export { escapeSdValue };
