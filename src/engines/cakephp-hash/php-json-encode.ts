/**
 * json_encode() as MISP applies it to what it sends (JsonTool::encode: unescaped slashes and
 * Unicode): PHP arrays whose keys are 0..n-1 in order are lists (an empty array, even from
 * "{}", is "[]"), other arrays are objects. Integral floats (PhpFloat) print as integers, as
 * json_encode does without JSON_PRESERVE_ZERO_FRACTION; ask for "1.0" with preserveZeroFraction.
 * Works on plain JSON values and the Map/PhpFloat model of php-json-parse.ts.
 */
import { isPhpFloat } from "./php-float.js";
import { phpFloatToJson } from "./php-numeric.js";
import { normalizeKey, type PhpKey } from "./php-keys.js";
import { isPhpArray, isPhpInt } from "./php-value.js";

export interface PhpJsonEncodeOptions {
  /** Indent like JSON_PRETTY_PRINT (4 spaces) when true, or with the given string. */
  readonly pretty?: boolean | string;
  /** Escape "/" and non-ASCII like PHP's defaults (without JSON_UNESCAPED_SLASHES/UNICODE). */
  readonly phpEscapes?: boolean;
  /** JSON_PRESERVE_ZERO_FRACTION: 1.0 prints as "1.0" (the hash path vectors are written so). */
  readonly preserveZeroFraction?: boolean;
}

function encodeFloat(value: number, preserveZeroFraction: boolean): string {
  const text = phpFloatToJson(value);
  return preserveZeroFraction ? text : text.replace(/\.0$/, "");
}

function encodeString(s: string, phpEscapes: boolean): string {
  const json = JSON.stringify(s);
  if (!phpEscapes) return json;
  return json.replace(/\//g, "\\/").replace(/[\u0080-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}

function entriesOf(value: unknown[] | Map<PhpKey, unknown> | Record<string, unknown>): Array<[PhpKey, unknown]> {
  if (Array.isArray(value)) return value.map((item, index) => [index, item]);
  if (value instanceof Map) return [...value.entries()];
  return Object.keys(value).map((key) => [normalizeKey(key), value[key]]);
}

function isList(entries: Array<[PhpKey, unknown]>): boolean {
  for (let i = 0; i < entries.length; i++) if (entries[i]![0] !== i) return false;
  return true;
}

export function phpJsonEncode(value: unknown, options: PhpJsonEncodeOptions = {}): string {
  const indentUnit = options.pretty === true ? "    " : typeof options.pretty === "string" ? options.pretty : "";
  const phpEscapes = options.phpEscapes ?? false;
  const zeroFraction = options.preserveZeroFraction ?? false;
  const encode = (item: unknown, indent: string): string => {
    if (item === null || item === undefined) return "null";
    if (typeof item === "boolean") return item ? "true" : "false";
    if (typeof item === "number") return isPhpInt(item) ? String(Object.is(item, -0) ? 0 : item) : encodeFloat(item, zeroFraction);
    if (typeof item === "string") return encodeString(item, phpEscapes);
    if (isPhpFloat(item)) return encodeFloat(item.value, zeroFraction);
    if (!isPhpArray(item)) return "null";
    const entries = entriesOf(item);
    const list = isList(entries);
    if (entries.length === 0) return list ? "[]" : "{}";
    const inner = indent + indentUnit;
    const newline = indentUnit ? "\n" : "";
    const separator = indentUnit ? ": " : ":";
    const parts = entries.map(([key, v]) => (list ? "" : encodeString(String(key), phpEscapes) + separator) + encode(v, inner));
    const open = list ? "[" : "{";
    const close = list ? "]" : "}";
    return open + newline + parts.map((p) => inner + p).join("," + newline) + newline + indent + close;
  };
  return encode(value, "");
}

/**
 * Converts the Map/PhpFloat model to plain JSON values (what JSON.parse of the PHP output
 * would give). JS enumerates integer-like keys first, so only the order of such keys may differ.
 */
export function toPlainJson(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (isPhpFloat(value)) return value.value;
  if (Array.isArray(value)) return value.map(toPlainJson);
  const entries = entriesOf(value as Map<PhpKey, unknown> | Record<string, unknown>);
  if (isList(entries)) return entries.map(([, v]) => toPlainJson(v));
  const out: Record<string, unknown> = {};
  for (const [key, v] of entries) {
    Object.defineProperty(out, String(key), { value: toPlainJson(v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
