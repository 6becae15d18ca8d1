import { TRUNCATION_MARKER, truncateText } from "./truncate.js";

// Cutting a message so that the request carrying it stays under a byte limit, whatever
// the escaping the payload format adds (JSON doubles quotes and backslashes, etc.).

/** The longest `truncateText(text, n)` for which `fits` is true; "" when even that fails. */
export function fitText(text: string, fits: (candidate: string) => boolean, marker: string = TRUNCATION_MARKER): string {
  if (fits(text)) return text;
  let lo = 0;
  let hi = text.length - 1;
  let best = "";
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const candidate = truncateText(text, mid, marker);
    if (fits(candidate)) {
      best = candidate;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return best;
}

/** Size of a value's JSON serialisation in UTF-8 bytes. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
}
