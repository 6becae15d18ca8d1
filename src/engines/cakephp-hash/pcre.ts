/**
 * PHP preg patterns ("/body/flags") for hash-path conditions. The body runs on the
 * bounded PCRE2 matcher of src/engines/regex (the same dialect as PHP: bytes without the u
 * flag, "$" before a final newline unless D, ASCII \\s, inline flags, atomic groups,
 * possessive quantifiers, lookbehind); a pattern PCRE would refuse, or one using what the
 * matcher lacks (recursion, verbs, \\X), is reported like PHP's warning and matches nothing.
 * A match that exceeds the step budget throws RegexLimitError.
 */
import { compilePcrePattern, RegexSyntaxError, type CompiledRegex, type RegexBudget } from "../regex/index.js";

export type CompiledPcre =
  | { readonly ok: true; readonly regex: CompiledRegex; readonly byteMode: boolean }
  | { readonly ok: false; readonly error: string };

interface Flags {
  caseless: boolean;
  multiline: boolean;
  dotAll: boolean;
  extended: boolean;
  anchored: boolean;
  dollarEndOnly: boolean;
  ungreedy: boolean;
  utf: boolean;
  noAutoCapture: boolean;
}

/** Splits "/body/flags" like PHP's preg (delimiter '/', backslash skips a character). */
function splitDelimited(text: string): { body: string; flags: Flags } | { error: string } {
  if (text[0] !== "/") return { error: "Delimiter must not be alphanumeric, backslash, or NUL" };
  let end = -1;
  for (let i = 1; i < text.length; i++) {
    if (text[i] === "\\" && i + 1 < text.length) i++;
    else if (text[i] === "/") {
      end = i;
      break;
    }
  }
  if (end < 0) return { error: "No ending delimiter '/' found" };
  const flags: Flags = {
    caseless: false,
    multiline: false,
    dotAll: false,
    extended: false,
    anchored: false,
    dollarEndOnly: false,
    ungreedy: false,
    utf: false,
    noAutoCapture: false,
  };
  for (const f of text.slice(end + 1)) {
    switch (f) {
      case "i":
        flags.caseless = true;
        break;
      case "m":
        flags.multiline = true;
        break;
      case "s":
        flags.dotAll = true;
        break;
      case "x":
        flags.extended = true;
        break;
      case "A":
        flags.anchored = true;
        break;
      case "D":
        flags.dollarEndOnly = true;
        break;
      case "U":
        flags.ungreedy = true;
        break;
      case "u":
        flags.utf = true;
        break;
      case "n":
        flags.noAutoCapture = true;
        break;
      case "S":
      case "X":
      case "J":
      case "\n":
      case "\r":
      case " ":
        break;
      default:
        return { error: `Unknown modifier '${f}'` };
    }
  }
  const body = text.slice(1, end);
  return { body, flags };
}

/** Compiles "/body/flags"; errors read like PHP's warnings. */
export function compilePcre(text: string): CompiledPcre {
  const split = splitDelimited(text);
  if ("error" in split) return { ok: false, error: `preg_match(): ${split.error}` };
  try {
    const regex = compilePcrePattern(split.body, split.flags);
    return { ok: true, regex, byteMode: !split.flags.utf };
  } catch (error) {
    if (error instanceof RegexSyntaxError) return { ok: false, error: `preg_match(): Compilation failed: ${error.message}` };
    return { ok: false, error: `preg_match(): Compilation failed: ${(error as Error).message}` };
  }
}

/** preg_match($pattern, $subject) === 1; throws RegexLimitError past the step budget. */
export function pcreTest(compiled: { regex: CompiledRegex }, subject: string, budget?: RegexBudget): boolean {
  return compiled.regex.test(subject, budget);
}
