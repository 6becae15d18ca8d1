// Subject lines: one line (CR/LF would inject headers), collapsed whitespace, and short
// enough that the encoded header stays under 998 bytes (docs/modules.md#mail).

import { truncateUtf8 } from "../../shared/messages/truncate.js";

/** ASCII subjects are sent as is (folded); others as RFC 2047 base64 words (~4/3 + 12 bytes per word). */
const MAX_ASCII_BYTES = 980;
const MAX_UTF8_BYTES = 600;

export function cleanSubject(raw: string): string {
  const flat = raw
    .replace(/[\u0000-\u001f\u007f]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  const ascii = /^[\x20-\x7e]*$/.test(flat);
  return truncateUtf8(flat, ascii ? MAX_ASCII_BYTES : MAX_UTF8_BYTES, "…");
}

/** `[MISP] <Event.info>`, or `MISP workflow notification` for data without an event. */
export function defaultSubject(data: unknown): string {
  const event = typeof data === "object" && data !== null ? (data as { Event?: { info?: unknown } }).Event : undefined;
  const info = typeof event?.info === "string" ? event.info.trim() : "";
  return event && info ? `[MISP] ${info}` : "MISP workflow notification";
}
