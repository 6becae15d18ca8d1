/**
 * PHP 8 comparison (zend_compare) between JSON-like values: `==`, `!=`, `<`, `<=`, `>`, `>=`,
 * `<=>`, in_array() without strict, sort() with SORT_REGULAR; plus `===` for arrays.
 */

import { isNumericString, numericStringValue, phpFloatToString } from "./php-numeric.js";
import { forEachEntry, getKey, hasKey, numberOf, phpCount, phpToBool, phpType, type PhpMap } from "./php-value.js";

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

function compareNumbers(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Byte-wise strcmp order (UTF-16 code unit order matches UTF-8 byte order except for astral vs U+E000-U+FFFF). */
function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const ca = utf8Rank(a, i);
    const cb = utf8Rank(b, i);
    if (ca !== cb) return ca < cb ? -1 : 1;
  }
  return compareNumbers(a.length, b.length);
}

// Surrogates (astral characters) encode as F0.. in UTF-8 and sort above U+E000-U+FFFF.
function utf8Rank(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdfff ? c + 0x10000 : c;
}

/** A scalar number's string form as PHP would produce it for a comparison. */
function numberToString(value: number, isFloat: boolean): string {
  return isFloat ? phpFloatToString(value) : String(value);
}

type ArrayLike = unknown[] | PhpMap | Record<string, unknown>;

function compareArrays(a: ArrayLike, b: ArrayLike): number {
  const countA = phpCount(a);
  const countB = phpCount(b);
  if (countA !== countB) return countA < countB ? -1 : 1;
  let result = 0;
  forEachEntry(a, (key, item) => {
    if (!hasKey(b, key)) {
      result = 1; // uncomparable
      return false;
    }
    const r = looseCompare(item, getKey(b, key));
    if (r !== 0) {
      result = r;
      return false;
    }
    return true;
  });
  return result;
}

/** `$a <=> $b` in PHP 8. */
export function looseCompare(a: unknown, b: unknown): number {
  const ta = phpType(a);
  const tb = phpType(b);
  if (ta === "bool" || tb === "bool" || (ta === "null" && tb !== "string") || (tb === "null" && ta !== "string")) {
    if (ta === "null" && tb === "null") return 0;
    return compareNumbers(phpToBool(a) ? 1 : 0, phpToBool(b) ? 1 : 0);
  }
  if (ta === "null") return (b as string).length === 0 ? 0 : -1;
  if (tb === "null") return (a as string).length === 0 ? 0 : 1;
  if (ta === "array" || tb === "array") {
    if (ta === "array" && tb === "array") return compareArrays(a as ArrayLike, b as ArrayLike);
    return ta === "array" ? 1 : -1;
  }
  const aIsNumber = ta === "int" || ta === "float";
  const bIsNumber = tb === "int" || tb === "float";
  if (aIsNumber && bIsNumber) return compareNumbers(numberOf(a as number), numberOf(b as number));
  if (aIsNumber) {
    const s = b as string;
    if (isNumericString(s)) return compareNumbers(numberOf(a as number), numericStringValue(s));
    return compareStrings(numberToString(numberOf(a as number), ta === "float"), s);
  }
  if (bIsNumber) {
    const s = a as string;
    if (isNumericString(s)) return compareNumbers(numericStringValue(s), numberOf(b as number));
    return compareStrings(s, numberToString(numberOf(b as number), tb === "float"));
  }
  const sa = a as string;
  const sb = b as string;
  if (sa === sb) return 0;
  if (isNumericString(sa) && isNumericString(sb)) return compareNumbers(numericStringValue(sa), numericStringValue(sb));
  return sign(compareStrings(sa, sb));
}

/** `$a == $b` in PHP 8. */
export function looseEquals(a: unknown, b: unknown): boolean {
  if (a === b && typeof a !== "object") return true;
  // Fast path for the common string/string case: equal only if both are numeric and equal as numbers.
  if (typeof a === "string" && typeof b === "string") {
    return isNumericString(a) && isNumericString(b) && numericStringValue(a) === numericStringValue(b);
  }
  return looseCompare(a, b) === 0;
}

/** `in_array($needle, $haystack)` without strict. */
export function looseInArray(needle: unknown, haystack: ArrayLike): boolean {
  let found = false;
  forEachEntry(haystack, (_key, item) => {
    if (looseEquals(item, needle)) {
      found = true;
      return false;
    }
    return true;
  });
  return found;
}

/** `$a === $b`: same type and value; arrays need the same key/value pairs in the same order. */
export function strictIdentical(a: unknown, b: unknown): boolean {
  const ta = phpType(a);
  if (ta !== phpType(b)) return false;
  switch (ta) {
    case "null":
      return true;
    case "int":
    case "float":
      return numberOf(a as number) === numberOf(b as number);
    case "array": {
      const entriesA: Array<[unknown, unknown]> = [];
      const entriesB: Array<[unknown, unknown]> = [];
      forEachEntry(a as ArrayLike, (k, v) => {
        entriesA.push([k, v]);
      });
      forEachEntry(b as ArrayLike, (k, v) => {
        entriesB.push([k, v]);
      });
      if (entriesA.length !== entriesB.length) return false;
      for (let i = 0; i < entriesA.length; i++) {
        const [ka, va] = entriesA[i]!;
        const [kb, vb] = entriesB[i]!;
        if (ka !== kb || !strictIdentical(va, vb)) return false;
      }
      return true;
    }
    default:
      return a === b;
  }
}

/** PHP 8 `sort($values)` (SORT_REGULAR, stable): returns a new list. */
export function phpSortValues(values: ArrayLike): unknown[] {
  const list: unknown[] = [];
  forEachEntry(values, (_k, v) => {
    list.push(v);
  });
  return list.sort(looseCompare);
}
