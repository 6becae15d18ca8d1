/**
 * JSON text -> values shaped like PHP's json_decode($text, true), in a form the rest of the
 * library (and JSON.stringify-minded code) can use:
 *  - objects keep their key order: plain objects when JS would not reorder the keys,
 *    otherwise a Map with PHP-normalised keys (canonical integer strings become numbers);
 *  - an object whose keys are exactly 0..n-1 in order, and an empty object, become arrays
 *    (PHP cannot tell them from lists);
 *  - duplicate keys: the last value wins at the first position (PHP behaviour);
 *  - integral floats written with a fraction or exponent (1.0, -0.0, 1e3) become PhpFloat.
 */
import { PhpFloat } from "./php-float.js";
import { isJsArrayIndex, normalizeKey, type PhpKey } from "./php-keys.js";

export class JsonSyntaxError extends SyntaxError {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
    this.name = "JsonSyntaxError";
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const INT64_MAX = 9223372036854775807;

export function parsePhpJson(text: string): unknown {
  let pos = 0;

  const fail = (message: string): never => {
    throw new JsonSyntaxError(message, pos);
  };
  const skip = (): void => {
    while (pos < text.length && WHITESPACE.has(text.charCodeAt(pos))) pos++;
  };

  const parseString = (): string => {
    const start = ++pos; // after the opening quote
    let hasEscape = false;
    for (;;) {
      if (pos >= text.length) fail("Unterminated string");
      const c = text.charCodeAt(pos);
      if (c === 0x22) break;
      if (c === 0x5c) {
        hasEscape = true;
        pos += 2;
        continue;
      }
      if (c < 0x20) fail("Control character in string");
      pos++;
    }
    const raw = text.slice(start, pos);
    pos++;
    if (!hasEscape) return raw;
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      return fail("Invalid escape in string");
    }
  };

  const parseNumber = (): number | PhpFloat => {
    NUMBER.lastIndex = pos;
    const match = NUMBER.exec(text);
    if (!match) return fail("Unexpected character");
    pos += match[0].length;
    const value = Number(match[0]);
    const isFloatLiteral = match[1] !== undefined || match[2] !== undefined;
    if (isFloatLiteral || Math.abs(value) > INT64_MAX) {
      return Number.isInteger(value) || Object.is(value, -0) ? new PhpFloat(value) : value;
    }
    return Object.is(value, -0) ? 0 : value;
  };

  const parseObject = (): unknown => {
    pos++;
    const keys: string[] = [];
    const values: unknown[] = [];
    skip();
    if (text.charCodeAt(pos) === 0x7d) {
      pos++;
      return [];
    }
    for (;;) {
      skip();
      if (text.charCodeAt(pos) !== 0x22) fail("Expected string key");
      const key = parseString();
      skip();
      if (text.charCodeAt(pos) !== 0x3a) fail("Expected ':'");
      pos++;
      keys.push(key);
      values.push(parseValue());
      skip();
      const c = text.charCodeAt(pos);
      if (c === 0x2c) {
        pos++;
        continue;
      }
      if (c === 0x7d) {
        pos++;
        break;
      }
      fail("Expected ',' or '}'");
    }
    return buildObject(keys, values);
  };

  const parseArray = (): unknown[] => {
    pos++;
    const out: unknown[] = [];
    skip();
    if (text.charCodeAt(pos) === 0x5d) {
      pos++;
      return out;
    }
    for (;;) {
      out.push(parseValue());
      skip();
      const c = text.charCodeAt(pos);
      if (c === 0x2c) {
        pos++;
        continue;
      }
      if (c === 0x5d) {
        pos++;
        return out;
      }
      fail("Expected ',' or ']'");
    }
  };

  const parseValue = (): unknown => {
    skip();
    const c = text.charCodeAt(pos);
    switch (c) {
      case 0x7b:
        return parseObject();
      case 0x5b:
        return parseArray();
      case 0x22:
        return parseString();
      case 0x74:
        if (text.startsWith("true", pos)) {
          pos += 4;
          return true;
        }
        return fail("Unexpected token");
      case 0x66:
        if (text.startsWith("false", pos)) {
          pos += 5;
          return false;
        }
        return fail("Unexpected token");
      case 0x6e:
        if (text.startsWith("null", pos)) {
          pos += 4;
          return null;
        }
        return fail("Unexpected token");
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return parseNumber();
        return fail(pos >= text.length ? "Unexpected end of JSON input" : "Unexpected token");
    }
  };

  const value = parseValue();
  skip();
  if (pos < text.length) fail("Unexpected data after JSON value");
  return value;
}

/** Builds the PHP array for an object's (key, value) pairs in source order. */
function buildObject(keys: string[], values: unknown[]): unknown {
  const entries = new Map<PhpKey, unknown>();
  let needsMap = false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (isJsArrayIndex(key) || key === "__proto__") needsMap = true;
    entries.set(normalizeKey(key), values[i]);
  }
  let sequential = 0;
  for (const key of entries.keys()) {
    if (key !== sequential) break;
    sequential++;
  }
  if (sequential === entries.size) return [...entries.values()];
  if (needsMap) return entries;
  const record: Record<string, unknown> = {};
  for (const [key, value] of entries) record[key as string] = value;
  return record;
}
