/**
 * How PHP sees a JavaScript value. Data reaches us in two shapes that both stand for PHP
 * arrays: plain JSON.parse output (arrays and plain objects) and the order-preserving model
 * of php-json-parse.ts (arrays, plain objects, and Maps when JS would reorder keys).
 */
import { isPhpFloat, PhpFloat } from "./php-float.js";
import { normalizeKey, type PhpKey } from "./php-keys.js";

export type PhpMap = Map<PhpKey, unknown>;

export function isPhpArray(value: unknown): value is unknown[] | PhpMap | Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value) || value instanceof Map) return true;
  return !(value instanceof PhpFloat);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Map) && !(value instanceof PhpFloat);
}

/** Number of entries of a PHP array. */
export function phpCount(value: unknown[] | PhpMap | Record<string, unknown>): number {
  if (Array.isArray(value)) return value.length;
  if (value instanceof Map) return value.size;
  return Object.keys(value).length;
}

/** Visits the entries of a PHP array in order with normalised keys; stops when fn returns false. */
export function forEachEntry(
  value: unknown[] | PhpMap | Record<string, unknown>,
  fn: (key: PhpKey, item: unknown) => boolean | void,
): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (fn(i, value[i]) === false) return;
  } else if (value instanceof Map) {
    for (const [key, item] of value) if (fn(key, item) === false) return;
  } else {
    for (const key of Object.keys(value)) if (fn(normalizeKey(key), value[key]) === false) return;
  }
}

/** `array_key_exists($key, $array)` with a normalised key. */
export function hasKey(container: unknown[] | PhpMap | Record<string, unknown>, key: PhpKey): boolean {
  if (Array.isArray(container)) return typeof key === "number" && key >= 0 && key < container.length && Number.isInteger(key);
  if (container instanceof Map) return container.has(key);
  return Object.hasOwn(container, String(key));
}

/** `$array[$key]` (undefined when absent) with a normalised key. */
export function getKey(container: unknown[] | PhpMap | Record<string, unknown>, key: PhpKey): unknown {
  if (Array.isArray(container)) return typeof key === "number" && key >= 0 ? container[key] : undefined;
  if (container instanceof Map) return container.get(key);
  const name = String(key);
  return Object.hasOwn(container, name) ? container[name] : undefined;
}

/** `isset($array[$key])`: present and not null. */
export function issetKey(container: unknown[] | PhpMap | Record<string, unknown>, key: PhpKey): boolean {
  const item = getKey(container, key);
  return item !== undefined && item !== null;
}

const INT64_LIMIT = 9223372036854775808; // 2^63: larger integral numbers are floats in PHP

/** A JS number PHP would hold as an int (integral and within int64). */
export function isPhpInt(value: number): boolean {
  return Number.isInteger(value) && value < INT64_LIMIT && value >= -INT64_LIMIT;
}

export type PhpType = "null" | "bool" | "int" | "float" | "string" | "array";

export function phpType(value: unknown): PhpType {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "boolean":
      return "bool";
    case "number":
      return isPhpInt(value) ? "int" : "float";
    case "string":
      return "string";
    case "object":
      return isPhpFloat(value) ? "float" : "array";
    default:
      return "null";
  }
}

/** The JS number behind an int or float value. */
export function numberOf(value: number | PhpFloat): number {
  return typeof value === "number" ? (Object.is(value, -0) ? 0 : value) : value.value;
}

/** PHP `empty()`: "", "0", 0, 0.0, null, false and empty arrays. */
export function phpEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === "" || value === "0" || value === 0) return true;
  if (isPhpFloat(value)) return value.value === 0;
  if (isPhpArray(value)) return phpCount(value) === 0;
  return false;
}

/** PHP boolean conversion. */
export function phpToBool(value: unknown): boolean {
  return !phpEmpty(value);
}
