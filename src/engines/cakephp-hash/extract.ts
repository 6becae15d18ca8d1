/**
 * CakePHP 2.x Hash::extract() (and Hash::get() for simple paths) over JSON-like data,
 * with PHP array semantics: see docs/protocol.md#hash-paths. Results reference the input; nothing is copied.
 */
import { compilePath, type CompiledPath, type KeyMatcher, type PathToken } from "./compile.js";
import type { Condition } from "./conditions.js";
import { PhpTypeError, type WarningSink } from "./errors.js";
import { looseCompare, looseEquals } from "./loose-compare.js";
import { isPhpFloat } from "./php-float.js";
import { normalizeKey, type PhpKey } from "./php-keys.js";
import { isNumericString, numericStringValue, phpFloatToString } from "./php-numeric.js";
import { pcreTest } from "./pcre.js";
import { newRegexBudget, type RegexBudget } from "../regex/index.js";
import { getKey, isPhpArray, isPhpInt, phpType, type PhpMap } from "./php-value.js";

type PhpArrayLike = unknown[] | PhpMap | Record<string, unknown>;

interface Mode {
  /** Throw PhpTypeError where PHP throws; otherwise treat those cases as "no match". */
  readonly strict: boolean;
  readonly onWarning: WarningSink | undefined;
  /** Regex steps left for this whole extraction; running out throws RegexLimitError. */
  readonly budget: RegexBudget;
}

/** `$key == $token` for a numeric token. */
function looseKeyEqualsNumber(key: PhpKey, value: number): boolean {
  if (typeof key === "number") return key === value;
  return isNumericString(key) && numericStringValue(key) === value;
}

/** Appends to `out` the values of `item`'s entries (`(array)$item`) whose key matches. */
function collectMatches(item: unknown, matcher: KeyMatcher, out: unknown[]): void {
  if (item === null || item === undefined) return;
  if (typeof item !== "object" || isPhpFloat(item)) {
    // (array)$scalar is [0 => $scalar].
    switch (matcher.kind) {
      case "numeric-key":
      case "any-key":
        out.push(item);
        return;
      case "loose-number":
        if (matcher.value === 0) out.push(item);
        return;
      default:
        return;
    }
  }
  if (Array.isArray(item)) {
    switch (matcher.kind) {
      case "numeric-key":
      case "any-key":
        for (let i = 0; i < item.length; i++) out.push(item[i]);
        return;
      case "loose-number": {
        const index = matcher.value;
        if (Number.isInteger(index) && index >= 0 && index < item.length) out.push(item[index]);
        return;
      }
      default:
        return; // list keys are ints: {s} and string tokens never match
    }
  }
  if (item instanceof Map) {
    for (const [key, value] of item) if (keyMatches(key, matcher)) out.push(value);
    return;
  }
  const record = item as Record<string, unknown>;
  if (matcher.kind === "exact") {
    // Keys are unique and a non-numeric token is never an int key: one lookup suffices.
    if (Object.hasOwn(record, matcher.text)) out.push(record[matcher.text]);
    return;
  }
  if (matcher.kind === "any-key") {
    for (const key in record) if (Object.hasOwn(record, key)) out.push(record[key]);
    return;
  }
  for (const key in record) {
    if (Object.hasOwn(record, key) && keyMatches(normalizeKey(key), matcher)) out.push(record[key]);
  }
}

function keyMatches(key: PhpKey, matcher: KeyMatcher): boolean {
  switch (matcher.kind) {
    case "numeric-key":
      return typeof key === "number" || isNumericString(key);
    case "string-key":
      return typeof key === "string";
    case "any-key":
      return true;
    case "loose-number":
      return looseKeyEqualsNumber(key, matcher.value);
    case "exact":
      return key === matcher.text;
  }
}

/** The string preg_match() receives for a scalar property. */
function regexSubject(prop: unknown): string {
  if (prop === null) return "";
  if (typeof prop === "string") return prop;
  if (typeof prop === "number") return isPhpInt(prop) ? String(Object.is(prop, -0) ? 0 : prop) : phpFloatToString(prop);
  if (isPhpFloat(prop)) return phpFloatToString(prop.value);
  return String(prop);
}

/** Hash::_matches(): every condition must hold for the array `item`. */
function matchesConditions(item: PhpArrayLike, conditions: readonly Condition[], mode: Mode): boolean {
  for (let c = 0; c < conditions.length; c++) {
    const cond = conditions[c]!;
    const raw = getKey(item, cond.key);
    if (cond.op === null) {
      if (raw === undefined || raw === null) return false; // presence test: isset()
      continue;
    }
    if (raw === undefined) return false; // the key must exist (a null value is allowed)
    let prop: unknown = raw;
    if (typeof prop === "boolean") prop = cond.valueIsNumeric ? (prop ? "1" : "0") : prop ? "true" : "false";
    if (cond.regex !== null) {
      const compiled = cond.regex;
      if (isPhpArray(prop)) {
        if (mode.strict) throw new PhpTypeError("preg_match(): Argument #2 ($subject) must be of type string, array given");
        return false;
      }
      if (!compiled.ok) {
        mode.onWarning?.(compiled.error);
        return false;
      }
      if (prop === null) mode.onWarning?.("preg_match(): Passing null to parameter #2 ($subject) of type string is deprecated");
      if (!pcreTest(compiled, regexSubject(prop), mode.budget)) return false;
      continue;
    }
    const value = cond.value!;
    switch (cond.op) {
      case "=":
        if (!looseEquals(prop, value)) return false;
        break;
      case "!=":
        if (looseEquals(prop, value)) return false;
        break;
      case ">": // PHP compiles `$prop <= $val`
        if (looseCompare(prop, value) <= 0) return false;
        break;
      case "<": // `$prop >= $val` is `$val <= $prop`
        if (looseCompare(value, prop) <= 0) return false;
        break;
      case ">=": // `$prop < $val`
        if (looseCompare(prop, value) < 0) return false;
        break;
      case "<=": // `$prop > $val` is `$val < $prop`
        if (looseCompare(value, prop) < 0) return false;
        break;
    }
  }
  return true;
}

function extractTokens(data: unknown, tokens: readonly PathToken[], mode: Mode): unknown[] {
  let context: unknown[] = [data];
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t]!;
    let next: unknown[] = [];
    for (let i = 0; i < context.length; i++) collectMatches(context[i], token.matcher, next);
    const conditions = token.conditions;
    if (conditions !== null) {
      const kept: unknown[] = [];
      for (let i = 0; i < next.length; i++) {
        const candidate = next[i];
        if (isPhpArray(candidate) && matchesConditions(candidate, conditions, mode)) kept.push(candidate);
      }
      next = kept;
    }
    context = next;
  }
  return context;
}

/** Hash::get(): dotted walk with isset() semantics; `default` (null) when anything is missing. */
function hashGet(data: unknown, keys: readonly PhpKey[]): unknown {
  if (!isPhpArray(data)) return null;
  let current: unknown = data;
  for (let i = 0; i < keys.length; i++) {
    if (!isPhpArray(current)) return null;
    const next = getKey(current, keys[i]!);
    if (next === undefined || next === null) return null;
    current = next;
  }
  return current;
}

/**
 * `(array)$value` shaped as json_encode would print it: a plain object whose keys are
 * 0..n-1 in order (or that is empty) is a PHP list.
 */
function castToArray(value: unknown): unknown {
  if (value === null || value === undefined) return [];
  if (!isPhpArray(value)) return [value];
  if (Array.isArray(value)) return value;
  if (value instanceof Map) {
    let expected = 0;
    for (const key of value.keys()) if (key !== expected++) return value;
    return [...value.values()];
  }
  let expected = 0;
  for (const key in value) {
    if (key !== String(expected++)) return value;
  }
  return Object.values(value);
}

function describeType(value: unknown): string {
  const type = phpType(value);
  return type === "null" ? "null" : type;
}

function run(data: unknown, compiled: CompiledPath, mode: Mode): unknown {
  if (!isPhpArray(data)) {
    // Hash::extract(array $data, ...) rejects anything else before looking at the path.
    if (mode.strict) throw new PhpTypeError(`Hash::extract(): Argument #1 ($data) must be of type array, ${describeType(data)} given`);
    return compiled.kind === "empty" ? data : [];
  }
  switch (compiled.kind) {
    case "empty":
      return data;
    case "simple":
      return castToArray(isEmptyArray(data) ? null : hashGet(data, compiled.keys));
    case "complex":
      return extractTokens(data, compiled.tokens, mode);
  }
}

function isEmptyArray(data: PhpArrayLike): boolean {
  if (Array.isArray(data)) return data.length === 0;
  if (data instanceof Map) return data.size === 0;
  for (const key in data) if (Object.hasOwn(data, key)) return false;
  return true;
}

/**
 * MISP's view of `Hash::extract($data, $path)`. Where PHP would throw a TypeError (data that
 * is not an array, a regex condition meeting an array) this returns "no match" instead.
 * Regex conditions share one step budget per call: RegexLimitError when it runs out (where
 * PHP's preg_match would hit pcre.backtrack_limit and quietly match nothing).
 */
export function extract(data: unknown, path: string, budget: RegexBudget = newRegexBudget()): unknown {
  return run(data, compilePath(typeof path === "string" ? path : pathText(path)), { strict: false, onWarning: undefined, budget });
}

/** A non-string path from untyped callers: null/undefined/false are PHP-empty, numbers their decimal text. */
function pathText(path: unknown): string {
  if (path === null || path === undefined || path === false) return "";
  return String(path);
}

/** Like extract(), but throws PhpTypeError exactly where PHP does and reports PHP warnings. */
export function extractStrict(data: unknown, path: string, onWarning?: WarningSink, budget: RegexBudget = newRegexBudget()): unknown {
  return run(data, compilePath(typeof path === "string" ? path : pathText(path)), { strict: true, onWarning, budget });
}

/** extract() for a path already compiled with compilePath(). */
export function extractCompiled(
  data: unknown,
  compiled: CompiledPath,
  options: { strict?: boolean; onWarning?: WarningSink; budget?: RegexBudget } = {},
): unknown {
  return run(data, compiled, { strict: options.strict ?? false, onWarning: options.onWarning, budget: options.budget ?? newRegexBudget() });
}

/** `Hash::get($data, $path)` (simple dotted access, no wildcards); null when missing. */
export function hashGetPath(data: unknown, path: string): unknown {
  if (path === "") return null;
  return hashGet(data, path.split(".").map(normalizeKey));
}
