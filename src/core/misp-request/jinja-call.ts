/**
 * MISP's pre-rendering of jinja_supported parameters (docs/protocol.md#jinja-params, docs/protocol.md#jinja-rendering): the request it
 * sends to jinja_template_rendering and how it reads the reply.
 */
import { phpJsonEncode } from "../../engines/cakephp-hash/php-json-encode.js";

/** Body of the jinja_template_rendering call, with `text` holding {"template", "data"} as JSON. */
export function jinjaRenderRequest(template: string, data: unknown): Record<string, unknown> {
  return { module: "jinja_template_rendering", text: phpJsonEncode({ template, data }) };
}

/**
 * MISP: a non-empty `error` gives ""; otherwise `results[0].values[0]`, unchecked. We return
 * null where MISP's PHP would die with a TypeError (missing path, non-string value).
 */
export function renderedTextFromReply(reply: unknown): string | null {
  if (typeof reply !== "object" || reply === null) return null;
  const record = reply as Record<string, unknown>;
  const error = record.error;
  if (error !== undefined && error !== null && error !== "" && error !== false && error !== 0 && error !== "0") return "";
  const results = record.results;
  const first = Array.isArray(results) ? (results[0] as Record<string, unknown> | undefined) : undefined;
  const values = first?.values;
  const text = Array.isArray(values) ? values[0] : undefined;
  if (typeof text === "string") return text;
  if (typeof text === "number") return String(text);
  return null;
}
