import { globMatch } from "../../../engines/regex/glob.js";
import { stringifyDeep } from "../json-text.js";
import { httpBuildQuery } from "./form-encode.js";

// Pieces of the generic webhook request (docs/modules.md#http_webhook): the user's header lines, the
// accepted status list and the body in the chosen content type. Each throws
// WebhookRequestError naming the parameter at fault.

export class WebhookRequestError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
    this.name = "WebhookRequestError";
  }
}

// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** "Name: value" per line (\n or \r\n); blank lines are skipped. Keys keep the user's spelling. */
export function parseHeaderLines(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const colon = line.indexOf(":");
    if (colon < 0) throw new WebhookRequestError("headers", `line ${i + 1} has no ":" (expected "Name: value")`);
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (!HEADER_NAME.test(name)) throw new WebhookRequestError("headers", `line ${i + 1}: invalid header name`);
    if (/[\r\n\0]/.test(value)) throw new WebhookRequestError("headers", `line ${i + 1}: header value contains a line break`);
    out.push([name, value]);
  });
  return out;
}

/**
 * Replaces every whitespace-separated word of the form `secret:NAME` in header values with the
 * server's secret ("Authorization: Bearer secret:SOAR_TOKEN"), so tokens need not be stored
 * in the workflow. Returns the headers and the resolved values (to keep out of messages).
 */
export function resolveHeaderSecrets(
  headers: Array<[string, string]>,
  resolve: (ref: string) => string,
): { headers: Array<[string, string]>; secrets: string[] } {
  const secrets: string[] = [];
  const out = headers.map(([name, value]): [string, string] => {
    const resolved = value.replace(/(^|\s)(secret:[A-Za-z0-9_.-]+)(?=\s|$)/g, (_m, lead: string, ref: string) => {
      let v: string;
      try {
        v = resolve(ref);
      } catch (e) {
        throw new WebhookRequestError("headers", (e as Error).message);
      }
      if (/[\r\n\0]/.test(v)) throw new WebhookRequestError("headers", `secret ${ref} contains a line break`);
      secrets.push(v);
      return lead + v;
    });
    return [name, resolved];
  });
  return { headers: out, secrets };
}

/** Defaults overridden case-insensitively by the user's headers; keys lower-cased. */
export function mergeHeaders(defaults: Record<string, string>, user: Array<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(defaults)) out[k.toLowerCase()] = v;
  for (const [k, v] of user) out[k.toLowerCase()] = v;
  return out;
}

export type StatusMatcher = (status: number) => boolean;

/** "2xx", "200,202", "2xx, 301" → predicate. */
export function parseExpectedStatus(text: string): StatusMatcher {
  const items = text.split(/[,;\s]+/).filter((s) => s !== "");
  if (items.length === 0) throw new WebhookRequestError("expected_status", "is empty");
  const exact = new Set<number>();
  const classes = new Set<number>();
  for (const item of items) {
    if (/^[1-5]xx$/i.test(item)) classes.add(Number(item[0]));
    else if (/^[1-5]\d\d$/.test(item)) exact.add(Number(item));
    else throw new WebhookRequestError("expected_status", `"${item}" is neither a status code (200) nor a class (2xx)`);
  }
  return (status) => exact.has(status) || classes.has(Math.floor(status / 100));
}

export type WebhookContentType = "json" | "form" | "text";

export const CONTENT_TYPES: Record<WebhookContentType, string> = {
  json: "application/json",
  form: "application/x-www-form-urlencoded",
  text: "text/plain; charset=utf-8",
};

/** The body: a payload text is sent as written (JSON must parse); structured data is encoded. */
export function webhookBody(contentType: WebhookContentType, payload: string | undefined, data: unknown): string {
  if (payload !== undefined) {
    if (contentType === "json") {
      try {
        JSON.parse(payload);
      } catch {
        // Parser messages quote the payload, which may hold secrets: say no more than this.
        throw new WebhookRequestError("payload", "is not valid JSON (content_type is json)");
      }
    }
    return payload;
  }
  switch (contentType) {
    case "json":
      return stringifyDeep(data) ?? "null";
    case "form":
      return httpBuildQuery(data);
    case "text":
      return typeof data === "string" ? data : (stringifyDeep(data) ?? "");
  }
}

/**
 * Server-side allow-list: patterns with "*" wildcards matched against the whole URL,
 * case-insensitively, without a regex (a pattern with many '*' cannot stall the check).
 */
export function urlAllowed(url: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => globMatch(p, url));
}
