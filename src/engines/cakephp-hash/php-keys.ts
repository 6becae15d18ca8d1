/** PHP array key normalisation: canonical decimal integer strings become int keys. */

export type PhpKey = number | string;

const MAX_SAFE_DIGITS = 15; // keys this short always fit a JS safe integer

/**
 * "0", "42", "-3" become ints; "01", "+1", "-0", "1.5", " 1" stay strings (PHP's
 * ZEND_HANDLE_NUMERIC_STR). Integers beyond JS's safe range stay strings here, which only
 * matters for keys longer than 15 digits.
 */
export function normalizeKey(key: string): PhpKey {
  const length = key.length;
  if (length === 0 || length > MAX_SAFE_DIGITS + 1) return key;
  let i = 0;
  if (key.charCodeAt(0) === 45 /* - */) {
    if (length === 1) return key;
    i = 1;
  }
  const first = key.charCodeAt(i);
  if (first === 48 /* 0 */) return length === 1 ? 0 : key; // "0" only; "-0", "01" stay strings
  for (let j = i; j < length; j++) {
    const c = key.charCodeAt(j);
    if (c < 48 || c > 57) return key;
  }
  if (length - i > MAX_SAFE_DIGITS) return key;
  return Number(key);
}

/** True when a JS property name is an array index, which JS objects enumerate first. */
export function isJsArrayIndex(key: string): boolean {
  if (key.length === 0 || key.length > 10) return false;
  if (key === "0") return true;
  const c0 = key.charCodeAt(0);
  if (c0 < 49 || c0 > 57) return false;
  for (let j = 1; j < key.length; j++) {
    const c = key.charCodeAt(j);
    if (c < 48 || c > 57) return false;
  }
  return Number(key) < 4294967295;
}
