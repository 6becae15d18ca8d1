import { STATUS_CODES } from "node:http";
import type { HttpResponse } from "../../../services/http/types.js";
import { scrubSecrets } from "../../../services/secrets/scrub.js";
import { truncateText } from "./truncate.js";

// Turning a refused delivery into one line a MISP user can act on: status, reason phrase,
// Retry-After, and the vendor's own explanation or a short, scrubbed excerpt of the body.

/** Longest body excerpt put into an error (docs/writing-modules.md#calling-other-services). */
export const EXCERPT_LENGTH = 300;

/** One line of at most `max` characters with the given secrets replaced by ***. */
export function bodyExcerpt(body: string, secrets: readonly string[] = [], max: number = EXCERPT_LENGTH): string {
  const flat = scrubSecrets(body, secrets).replace(/\s+/g, " ").trim();
  return truncateText(flat, max, "…");
}

/** "404 Not Found" (the reason phrase from the response, else the standard one). */
export function statusLine(res: Pick<HttpResponse, "status" | "statusText">): string {
  const reason = res.statusText || STATUS_CODES[res.status] || "";
  return reason ? `${res.status} ${reason}` : String(res.status);
}

/** Seconds from a Retry-After header (delta-seconds or HTTP date); undefined when absent or unreadable. */
export function retryAfterSeconds(headers: Readonly<Record<string, string>>, now: number = Date.now()): number | undefined {
  const raw = headers["retry-after"]?.trim();
  if (!raw) return undefined;
  if (/^\d+$/.test(raw)) return Number(raw);
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** The body parsed as JSON, or undefined. */
export function jsonBody(res: Pick<HttpResponse, "body">): unknown {
  try {
    return JSON.parse(res.body) as unknown;
  } catch {
    return undefined;
  }
}

export interface FailureOptions {
  /** The vendor's explanation (error code, `message` field); the body excerpt is used when absent. */
  detail?: string;
  /** Values to remove from anything taken from the response. */
  secrets?: readonly string[];
  /** Replaces the plain status line, e.g. "authentication failed". */
  prefix?: string;
  /** Said for HTTP 429 (default "rate limited"). */
  rateLimitText?: string;
}

/**
 * "HTTP 429 Too Many Requests, retry after 30 s: rate limited" — what every messaging module
 * reports when the remote side did not accept the message.
 */
export function describeFailure(res: HttpResponse, o: FailureOptions = {}): string {
  const secrets = o.secrets ?? [];
  let head = o.prefix ? `${o.prefix} (HTTP ${statusLine(res)})` : `HTTP ${statusLine(res)}`;
  if (res.status === 429) {
    const wait = retryAfterSeconds(res.headers);
    const limited = o.rateLimitText ?? "rate limited";
    head += wait === undefined ? `, ${limited}` : `, ${limited}, retry after ${wait} s`;
  }
  if (res.status >= 300 && res.status < 400 && res.headers.location) {
    head += `, redirected to ${bodyExcerpt(safeLocation(res.headers.location), secrets, 120)}`;
  }
  const detail = o.detail !== undefined && o.detail.trim() !== "" ? bodyExcerpt(o.detail, secrets) : bodyExcerpt(res.body, secrets);
  return detail ? `${head}: ${detail}` : head;
}

/** A redirect target without query string or credentials (they may carry tokens). */
function safeLocation(location: string): string {
  try {
    const u = new URL(location, "http://relative.invalid");
    const origin = u.host === "relative.invalid" ? "" : `${u.protocol}//${u.host}`;
    return `${origin}${u.pathname}`;
  } catch {
    return "(unreadable location)";
  }
}
