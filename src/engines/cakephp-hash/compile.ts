/**
 * Parsing a CakePHP Hash path once into a reusable form. Compiled paths are cached by their
 * text, so callers can pass path strings on every call at no parsing cost.
 */
import { parseConditions, type Condition } from "./conditions.js";
import { isNumericString, numericStringValue } from "./php-numeric.js";
import { normalizeKey, type PhpKey } from "./php-keys.js";
import { tokenizePath } from "./tokenize.js";

export type KeyMatcher =
  | { readonly kind: "numeric-key" } // {n}
  | { readonly kind: "string-key" } // {s}
  | { readonly kind: "any-key" } // {*}
  | { readonly kind: "loose-number"; readonly text: string; readonly value: number } // `key == "1"`
  | { readonly kind: "exact"; readonly text: string }; // `key === "name"`

export interface PathToken {
  /** The token as written (trimmed when the path contains '['). */
  readonly text: string;
  readonly matcher: KeyMatcher;
  /** null when the token has no '['; otherwise the recognised groups (possibly none). */
  readonly conditions: readonly Condition[] | null;
  /** Bracket text that no condition group recognised (PHP ignores it). */
  readonly unparsedConditions: string;
}

export type CompiledPath =
  | { readonly kind: "empty"; readonly path: string }
  | { readonly kind: "simple"; readonly path: string; readonly keys: readonly PhpKey[] }
  | { readonly kind: "complex"; readonly path: string; readonly tokens: readonly PathToken[] };

function keyMatcher(text: string): KeyMatcher {
  switch (text) {
    case "{n}":
      return { kind: "numeric-key" };
    case "{s}":
      return { kind: "string-key" };
    case "{*}":
      return { kind: "any-key" };
    default:
      return isNumericString(text) ? { kind: "loose-number", text, value: numericStringValue(text) } : { kind: "exact", text };
  }
}

function compileToken(raw: string): PathToken {
  const bracket = raw.indexOf("[");
  if (bracket < 0) return { text: raw, matcher: keyMatcher(raw), conditions: null, unparsedConditions: "" };
  const parsed = parseConditions(raw.slice(bracket));
  return { text: raw, matcher: keyMatcher(raw.slice(0, bracket)), conditions: parsed.conditions, unparsedConditions: parsed.unparsed };
}

/** Hash::extract's path classification, without caching. */
export function compilePathUncached(path: string): CompiledPath {
  // PHP empty(): "" and "0" return the data itself.
  if (path === "" || path === "0") return { kind: "empty", path };
  if (!path.includes("{") && !path.includes("[")) {
    return { kind: "simple", path, keys: path.split(".").map(normalizeKey) };
  }
  const rawTokens = path.includes("[") ? tokenizePath(path) : path.split(".");
  return { kind: "complex", path, tokens: rawTokens.map(compileToken) };
}

const CACHE_LIMIT = 2048;
const cache = new Map<string, CompiledPath>();

/** Compiled form of a path, cached (bounded; the cache is simply reset when full). */
export function compilePath(path: string): CompiledPath {
  let compiled = cache.get(path);
  if (compiled === undefined) {
    compiled = compilePathUncached(path);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(path, compiled);
  }
  return compiled;
}
