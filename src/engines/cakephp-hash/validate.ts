/**
 * A lint for hash paths typed by people. CakePHP accepts every string as a path and quietly
 * returns whatever its algorithm gives, so nothing here is an error: what looks like a
 * mistake (a '..', an unclosed '[', a condition CakePHP does not recognise, a regex PCRE
 * cannot compile) is reported as a warning with its position, and the path is still
 * evaluated exactly as MISP evaluates it (docs/hash-paths.md, "Warnings").
 */
import { parseConditions } from "./conditions.js";
import { tokenizePathWithOffsets, type PositionedToken } from "./tokenize.js";

export interface PathWarning {
  /** 1-based position in the path (UTF-16 code units) of the text the warning is about. */
  readonly position: number;
  readonly message: string;
}

/** Only a non-string path is an error (PHP's Hash::extract would throw on it). */
export type PathValidity = { ok: true; warnings: PathWarning[] } | { ok: false; error: string };

const WILDCARDS = new Set(["{n}", "{s}", "{*}"]);
const CONDITION_FORMS = "[key], [key=value], [key!=value], [key>value], [key<value], [key>=value], [key<=value] or [key=/regex/flags]";

function emptyKeyWarning(position: number, withConditions: boolean): PathWarning {
  return {
    position,
    message: withConditions
      ? "no key before '[': the key part is empty, so only an entry whose key is the empty string is tested (write {n}[...] to filter list items)"
      : "empty key (from '..' or a leading or trailing '.'): it only matches an entry whose key is the empty string",
  };
}

function spacesWarning(position: number, key: string): PathWarning {
  return { position, message: `key ${JSON.stringify(key)} keeps its surrounding whitespace (paths without '[' are not trimmed)` };
}

/** Unbalanced brackets, as CakeText::tokenize's plain depth counter sees them. */
function bracketWarnings(path: string, out: PathWarning[]): void {
  let depth = 0;
  const open: number[] = [];
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === "[") {
      depth++;
      open.push(i);
    } else if (c === "]") {
      depth--;
      open.pop();
      if (depth === -1) out.push({ position: i + 1, message: "']' without a matching '[': from here on '.' no longer separates keys" });
    }
  }
  if (depth > 0 && open.length > 0) {
    out.push({
      position: open[0]! + 1,
      message: "'[' is never closed: from here on '.' no longer separates keys, and the unfinished condition is ignored",
    });
  }
}

function tokenWarnings(token: PositionedToken, trimmed: boolean, out: PathWarning[]): void {
  const bracket = token.text.indexOf("[");
  const keyPart = bracket < 0 ? token.text : token.text.slice(0, bracket);
  if (keyPart === "") out.push(emptyKeyWarning(token.start + 1, bracket >= 0));
  else if (!trimmed && keyPart.trim() !== keyPart) out.push(spacesWarning(token.start + 1, keyPart));
  if (/[{}]/.test(keyPart) && !WILDCARDS.has(keyPart)) {
    out.push({
      position: token.start + 1,
      message: `${JSON.stringify(keyPart)} is not a wildcard ({n}, {s} or {*}): it matches only a key with exactly that name`,
    });
  }
  if (bracket < 0) return;
  const conditionsAt = token.start + bracket;
  const parsed = parseConditions(token.text.slice(bracket));
  for (const chunk of parsed.unparsedChunks) {
    if (chunk.text.trim() === "") continue;
    const position = conditionsAt + chunk.offset + 1;
    const message = chunk.text.startsWith("[")
      ? `${JSON.stringify(chunk.text)} is not a condition CakePHP recognises (${CONDITION_FORMS}); it is ignored, only arrays pass this step`
      : `${JSON.stringify(chunk.text)} after the conditions is ignored (CakePHP reads only the [...] groups of a key; did you forget a '.'?)`;
    out.push({ position, message });
  }
  parsed.conditions.forEach((condition, index) => {
    const position = conditionsAt + parsed.offsets[index]! + 1;
    if (condition.attr.trim() !== condition.attr) {
      out.push({ position, message: `attribute name ${JSON.stringify(condition.attr)} includes whitespace, which is part of the name` });
    }
    if (condition.value !== null && condition.regex === null && condition.value.trim() !== condition.value) {
      out.push({ position, message: `value ${JSON.stringify(condition.value)} includes whitespace, which is part of the value` });
    }
    if (condition.regex !== null && !condition.regex.ok) {
      out.push({
        position,
        message: `regular expression ${condition.value} does not compile, so this condition matches nothing (${condition.regex.error})`,
      });
    }
  });
}

/** Warnings for a path, in order of position; an empty list for a clean path. */
export function lintPath(path: string): PathWarning[] {
  const warnings: PathWarning[] = [];
  if (path === "" || path === "0") return warnings;
  if (!path.includes("{") && !path.includes("[")) {
    // Hash::get: explode('.') without trimming.
    let start = 0;
    for (const segment of path.split(".")) {
      if (segment === "") warnings.push(emptyKeyWarning(start + 1, false));
      else if (segment.trim() !== segment) warnings.push(spacesWarning(start + 1, segment));
      start += segment.length + 1;
    }
    return warnings;
  }
  const hasBracket = path.includes("[");
  if (hasBracket) bracketWarnings(path, warnings);
  let tokens: PositionedToken[];
  if (hasBracket) tokens = tokenizePathWithOffsets(path);
  else {
    tokens = [];
    let start = 0;
    for (const text of path.split(".")) {
      tokens.push({ text, start });
      start += text.length + 1;
    }
  }
  for (const token of tokens) tokenWarnings(token, hasBracket, warnings);
  return warnings.sort((a, b) => a.position - b.position);
}

/** "position N: message", for stderr and logs. */
export function formatPathWarning(warning: PathWarning): string {
  return `position ${warning.position}: ${warning.message}`;
}

export function isValidPath(path: unknown): PathValidity {
  if (typeof path !== "string") return { ok: false, error: "the path must be a string" };
  return { ok: true, warnings: lintPath(path) };
}
