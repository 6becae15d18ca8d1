// Cutting message text to a channel's limit without breaking a UTF-16 surrogate pair, and
// marking the cut so that readers know something is missing.

export const TRUNCATION_MARKER = "… (truncated)";

/** Cuts `text` to at most `max` UTF-16 units (JS string length), ending with `marker` when cut. */
export function truncateText(text: string, max: number, marker: string = TRUNCATION_MARKER): string {
  const limit = Math.max(0, Math.floor(max));
  if (text.length <= limit) return text;
  if (marker.length >= limit) return safeSlice(marker, limit);
  return safeSlice(text, limit - marker.length) + marker;
}

/** Cuts `text` so that its UTF-8 encoding is at most `maxBytes` bytes, ending with `marker` when cut. */
export function truncateUtf8(text: string, maxBytes: number, marker: string = TRUNCATION_MARKER): string {
  const limit = Math.max(0, Math.floor(maxBytes));
  if (Buffer.byteLength(text, "utf8") <= limit) return text;
  const markerBytes = Buffer.byteLength(marker, "utf8");
  if (markerBytes >= limit) return "";
  // Each UTF-16 unit encodes to at least one byte, so this prefix length is an upper bound.
  let cut = Math.min(text.length, limit - markerBytes);
  let head = safeSlice(text, cut);
  while (Buffer.byteLength(head, "utf8") > limit - markerBytes) {
    cut = Math.max(0, cut - Math.max(1, Math.ceil((Buffer.byteLength(head, "utf8") - (limit - markerBytes)) / 4)));
    head = safeSlice(text, cut);
  }
  return head + marker;
}

/** `text.slice(0, end)` that never leaves a lone high surrogate at the end. */
function safeSlice(text: string, end: number): string {
  if (end <= 0) return "";
  const code = text.charCodeAt(end - 1);
  const cutsPair = code >= 0xd800 && code <= 0xdbff;
  return text.slice(0, cutsPair ? end - 1 : end);
}
