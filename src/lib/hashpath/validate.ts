/**
 * A lint for hash paths typed by people. PHP accepts any string and silently returns
 * nothing for mistakes; here we reject the mistakes we can recognise, with a reason.
 */
import { compilePath } from "./compile.js";

export type PathValidity = { ok: true } | { ok: false; error: string };

function bracketBalance(path: string): string | null {
  let depth = 0;
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === "[") depth++;
    else if (c === "]") {
      depth--;
      if (depth < 0) return `unexpected ']' at position ${i + 1}`;
    }
  }
  return depth > 0 ? "unclosed '['" : null;
}

export function isValidPath(path: unknown): PathValidity {
  if (typeof path !== "string") return { ok: false, error: "the path must be a string" };
  const compiled = compilePath(path);
  if (compiled.kind === "empty") return { ok: true };
  const balance = bracketBalance(path);
  if (balance !== null) return { ok: false, error: `invalid hash path ${JSON.stringify(path)}: ${balance}` };
  const segments = compiled.kind === "simple" ? path.split(".") : compiled.tokens.map((t) => t.text);
  const emptyIndex = segments.findIndex((segment) => segment === "");
  if (emptyIndex >= 0) return { ok: false, error: `invalid hash path ${JSON.stringify(path)}: empty key at segment ${emptyIndex + 1} (check for '..' or a leading/trailing '.')` };
  if (compiled.kind === "complex") {
    for (const token of compiled.tokens) {
      const keyPart = token.conditions === null ? token.text : token.text.slice(0, token.text.indexOf("["));
      if (/[{}]/.test(keyPart) && keyPart !== "{n}" && keyPart !== "{s}" && keyPart !== "{*}") {
        return { ok: false, error: `invalid hash path ${JSON.stringify(path)}: unknown wildcard ${JSON.stringify(keyPart)} (use {n}, {s} or {*})` };
      }
      if (token.conditions === null) continue;
      if (token.unparsedConditions.trim() !== "") {
        return { ok: false, error: `invalid hash path ${JSON.stringify(path)}: malformed condition ${JSON.stringify(token.unparsedConditions)} in ${JSON.stringify(token.text)} (expected [key], [key=value], [key!=value], [key>value], [key<value], [key>=value], [key<=value] or [key=/regex/])` };
      }
      for (const condition of token.conditions) {
        if (condition.regex !== null && !condition.regex.ok) {
          return { ok: false, error: `invalid hash path ${JSON.stringify(path)}: bad regular expression ${condition.value}: ${condition.regex.error}` };
        }
      }
    }
  }
  return { ok: true };
}
