/**
 * Translation of a PHP preg pattern ("/body/flags") to a JavaScript RegExp with PCRE2
 * semantics where they differ: without the u flag PCRE matches bytes, so the subject and
 * non-ASCII pattern characters are turned into UTF-8 byte strings; `.` excludes only "\n";
 * `$` also matches before a final newline unless D; \s is the six ASCII spaces; inline
 * flags, atomic groups, possessive quantifiers and recursion are refused (PHP would accept
 * them; we report a warning and match nothing, like an invalid pattern in PHP).
 */

export type CompiledPcre =
  | { readonly ok: true; readonly regex: RegExp; readonly byteMode: boolean }
  | { readonly ok: false; readonly error: string };

const SPACE_CLASS_BODY = "\\t\\n\\x0B\\f\\r ";
const POSIX_CLASSES: Record<string, string> = {
  alpha: "A-Za-z",
  digit: "0-9",
  alnum: "A-Za-z0-9",
  upper: "A-Z",
  lower: "a-z",
  space: SPACE_CLASS_BODY,
  blank: " \\t",
  punct: "!-\\/:-@\\[-`{-~",
  xdigit: "0-9A-Fa-f",
  word: "A-Za-z0-9_",
  cntrl: "\\x00-\\x1F\\x7F",
  print: " -~",
  graph: "!-~",
  ascii: "\\x00-\\x7F",
};
const SYNTAX_CHARS = "^$\\.*+?()[]{}|/";

class PcreUnsupported extends Error {}

/** UTF-8 bytes of a string as a "binary string" (one char per byte). */
export function toByteString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) return Buffer.from(s, "utf8").toString("latin1");
  }
  return s;
}

function hex2(code: number): string {
  return "\\x" + code.toString(16).padStart(2, "0");
}

function literalChar(char: string, byteMode: boolean, inClass: boolean): string {
  const code = char.codePointAt(0)!;
  if (code > 0x7f) {
    if (byteMode) return [...Buffer.from(char, "utf8")].map(hex2).join("");
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, "0")}`;
  }
  if (SYNTAX_CHARS.includes(char) || (inClass && char === "-")) return "\\" + char;
  return char;
}

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
      case "i": flags.caseless = true; break;
      case "m": flags.multiline = true; break;
      case "s": flags.dotAll = true; break;
      case "x": flags.extended = true; break;
      case "A": flags.anchored = true; break;
      case "D": flags.dollarEndOnly = true; break;
      case "U": flags.ungreedy = true; break;
      case "u": flags.utf = true; break;
      case "n": flags.noAutoCapture = true; break;
      case "S": case "X": case "J": case "\n": case "\r": case " ": break;
      default: return { error: `Unknown modifier '${f}'` };
    }
  }
  let body = text.slice(1, end);
  // A leading option setting such as "(?i)" applies to the whole pattern: fold it into the flags.
  const leading = /^\(\?([imsxUn]+)\)/.exec(body);
  if (leading) {
    for (const f of leading[1]!) {
      if (f === "i") flags.caseless = true;
      else if (f === "m") flags.multiline = true;
      else if (f === "s") flags.dotAll = true;
      else if (f === "x") flags.extended = true;
      else if (f === "U") flags.ungreedy = true;
      else if (f === "n") flags.noAutoCapture = true;
    }
    body = body.slice(leading[0].length);
  }
  return { body, flags };
}

function translate(body: string, flags: Flags): string {
  const byteMode = !flags.utf;
  const chars = Array.from(body); // code points, so astral literals stay whole
  let out = "";
  let i = 0;
  const peek = (offset = 0): string | undefined => chars[i + offset];

  const quantifierSuffix = (): string => {
    // Possessive quantifiers have no JS equivalent.
    if (peek() === "+") throw new PcreUnsupported("possessive quantifier");
    let lazy = false;
    if (peek() === "?") {
      lazy = true;
      i++;
    }
    if (flags.ungreedy) lazy = !lazy;
    return lazy ? "?" : "";
  };

  const escape = (inClass: boolean): string => {
    const c = chars[i++];
    if (c === undefined) throw new PcreUnsupported("trailing backslash");
    switch (c) {
      case "d": case "D": case "w": case "W":
        return "\\" + c;
      case "b": case "B":
        return inClass ? (c === "b" ? "\\x08" : "B") : "\\" + c;
      case "s":
        return inClass ? SPACE_CLASS_BODY : `[${SPACE_CLASS_BODY}]`;
      case "S":
        if (inClass) throw new PcreUnsupported("\\S inside a class");
        return `[^${SPACE_CLASS_BODY}]`;
      case "h":
        return inClass ? " \\t\\xA0" : "[ \\t\\xA0]";
      case "H":
        if (inClass) throw new PcreUnsupported("\\H inside a class");
        return "[^ \\t\\xA0]";
      case "v":
        return inClass ? "\\n\\x0B\\f\\r\\x85" : "[\\n\\x0B\\f\\r\\x85]";
      case "V":
        if (inClass) throw new PcreUnsupported("\\V inside a class");
        return "[^\\n\\x0B\\f\\r\\x85]";
      case "R":
        if (inClass) throw new PcreUnsupported("\\R inside a class");
        return "(?:\\r\\n|\\n|\\x0B|\\f|\\r|\\x85)";
      case "A":
        return "(?<![\\s\\S])";
      case "z":
        return "(?![\\s\\S])";
      case "Z":
        return "(?=\\n?(?![\\s\\S]))";
      case "t": return "\\t";
      case "n": return "\\n";
      case "r": return "\\r";
      case "f": return "\\f";
      case "e": return "\\x1B";
      case "a": return "\\x07";
      case "Q": {
        let literal = "";
        while (i < chars.length && !(chars[i] === "\\" && chars[i + 1] === "E")) literal += literalChar(chars[i++]!, byteMode, inClass);
        if (i < chars.length) i += 2;
        return literal;
      }
      case "E":
        return "";
      case "x": {
        if (peek() === "{") {
          const close = chars.indexOf("}", i);
          if (close < 0) throw new PcreUnsupported("bad \\x{}");
          const code = parseInt(chars.slice(i + 1, close).join(""), 16);
          i = close + 1;
          if (Number.isNaN(code) || (byteMode && code > 0xff)) throw new PcreUnsupported("character value too large");
          return code > 0xff ? literalChar(String.fromCodePoint(code), byteMode, inClass) : hex2(code);
        }
        let digits = "";
        while (digits.length < 2 && /[0-9a-fA-F]/.test(peek() ?? "")) digits += chars[i++];
        return hex2(digits === "" ? 0 : parseInt(digits, 16));
      }
      case "c": {
        const next = chars[i++];
        if (next === undefined) throw new PcreUnsupported("bad \\c");
        return hex2(next.toUpperCase().charCodeAt(0) ^ 0x40);
      }
      case "g": case "k": {
        // \g1 \g{1} \g{-1} \k<name> \k{name} \k'name'
        if (inClass) throw new PcreUnsupported("back reference inside a class");
        const open = peek();
        if (c === "g" && /[0-9]/.test(open ?? "")) {
          let n = "";
          while (/[0-9]/.test(peek() ?? "")) n += chars[i++];
          return `\\${n}(?:)`;
        }
        const closeFor: Record<string, string> = { "{": "}", "<": ">", "'": "'" };
        const close = open === undefined ? undefined : closeFor[open];
        if (close === undefined) throw new PcreUnsupported("bad back reference");
        const end = chars.indexOf(close, i + 1);
        if (end < 0) throw new PcreUnsupported("bad back reference");
        const ref = chars.slice(i + 1, end).join("");
        i = end + 1;
        if (/^[0-9]+$/.test(ref)) return `\\${ref}(?:)`;
        if (/^-/.test(ref)) throw new PcreUnsupported("relative back reference");
        return `\\k<${ref}>`;
      }
      case "p": case "P":
        throw new PcreUnsupported("Unicode property escapes");
      case "K": case "G": case "X": case "C": case "N":
        throw new PcreUnsupported(`\\${c}`);
      default:
        if (/[0-9]/.test(c)) {
          // Back reference or octal: keep JS's legacy interpretation, which matches PCRE for the usual cases.
          let digits = c;
          while (/[0-9]/.test(peek() ?? "") && digits.length < 3) digits += chars[i++];
          if (inClass || digits.startsWith("0")) return hex2(parseInt(digits, 8) & 0xff);
          return `\\${digits}(?:)`;
        }
        if (/[A-Za-z]/.test(c)) throw new PcreUnsupported(`unrecognised escape \\${c}`);
        return literalChar(c, byteMode, inClass);
    }
  };

  const characterClass = (): string => {
    let cls = "[";
    if (peek() === "^") {
      cls += "^";
      i++;
    }
    // A ']' right after '[' or '[^' is a literal in PCRE.
    if (peek() === "]") {
      cls += "\\]";
      i++;
    }
    for (;;) {
      const c = chars[i];
      if (c === undefined) throw new PcreUnsupported("missing terminating ] for character class");
      if (c === "]") {
        i++;
        return cls + "]";
      }
      if (c === "[" && peek(1) === ":") {
        const end = chars.indexOf("]", i + 2);
        const spec = end > 0 ? chars.slice(i + 2, end).join("") : "";
        const m = /^(\^?)([a-z]+):$/.exec(spec);
        if (m && POSIX_CLASSES[m[2]!] !== undefined) {
          if (m[1]) throw new PcreUnsupported("negated POSIX class");
          cls += POSIX_CLASSES[m[2]!];
          i = end + 1;
          continue;
        }
      }
      i++;
      if (c === "\\") cls += escape(true);
      else if (c === "-") cls += "-";
      else cls += literalChar(c, byteMode, true).replace(/^\\-$/, "-");
    }
  };

  while (i < chars.length) {
    const c = chars[i++]!;
    if (flags.extended) {
      if (/[ \t\n\r\f\x0B]/.test(c)) continue;
      if (c === "#") {
        while (i < chars.length && chars[i] !== "\n") i++;
        continue;
      }
    }
    switch (c) {
      case "\\":
        out += escape(false);
        break;
      case "[":
        out += characterClass();
        break;
      case ".":
        out += flags.dotAll ? "[\\s\\S]" : "[^\\n]";
        break;
      case "^":
        out += flags.multiline ? "(?:(?<![\\s\\S])|(?<=\\n))" : "(?<![\\s\\S])";
        break;
      case "$":
        out += flags.multiline ? "(?=\\n|(?![\\s\\S]))" : flags.dollarEndOnly ? "(?![\\s\\S])" : "(?=\\n?(?![\\s\\S]))";
        break;
      case "*": case "+": case "?":
        out += c + quantifierSuffix();
        break;
      case "{": {
        const rest = chars.slice(i).join("");
        // PCRE2 10.40 (PHP 8.2) treats "{,n}" and other non-quantifier braces as literals.
        const m = /^(\d+)(,(\d*))?\}/.exec(rest);
        if (m) {
          i += m[0].length;
          out += "{" + m[0] + quantifierSuffix();
        } else out += "\\{";
        break;
      }
      case "}":
        out += "\\}";
        break;
      case "|":
      case ")":
        out += c;
        break;
      case "(": {
        if (peek() === "*") throw new PcreUnsupported("verbs");
        if (peek() !== "?") {
          out += flags.noAutoCapture ? "(?:" : "(";
          break;
        }
        const rest = chars.slice(i).join("");
        let m: RegExpExecArray | null;
        if (/^\?(?::|=|!|<=|<!)/.test(rest)) {
          const head = /^\?(?::|=|!|<=|<!)/.exec(rest)![0];
          out += "(" + head;
          i += head.length;
        } else if ((m = /^\?(?:P?<|')([A-Za-z_][A-Za-z0-9_]*)[>']/.exec(rest))) {
          out += `(?<${m[1]}>`;
          i += m[0].length;
        } else if ((m = /^\?P=([A-Za-z_][A-Za-z0-9_]*)\)/.exec(rest))) {
          out += `\\k<${m[1]}>`;
          i += m[0].length;
        } else if ((m = /^\?#[^)]*\)/.exec(rest))) {
          i += m[0].length;
        } else {
          throw new PcreUnsupported("group construct (?" + (rest[1] ?? "") + " (inline flags, atomic groups, recursion)");
        }
        break;
      }
      default:
        out += literalChar(c, byteMode, false);
    }
  }
  return flags.anchored ? `(?<![\\s\\S])(?:${out})` : out;
}

/** Compiles "/body/flags"; errors describe why PHP (or our translation) would not match. */
export function compilePcre(text: string): CompiledPcre {
  const split = splitDelimited(text);
  if ("error" in split) return { ok: false, error: `preg_match(): ${split.error}` };
  try {
    const source = translate(split.body, split.flags);
    const jsFlags = (split.flags.caseless ? "i" : "") + (split.flags.utf ? "u" : "");
    return { ok: true, regex: new RegExp(source, jsFlags), byteMode: !split.flags.utf };
  } catch (error) {
    const reason = error instanceof PcreUnsupported ? `unsupported PCRE feature: ${error.message}` : `compilation failed: ${(error as Error).message}`;
    return { ok: false, error: `preg_match(): ${reason}` };
  }
}

/** preg_match($pattern, $subject) === 1 for a compiled pattern. */
export function pcreTest(compiled: { regex: RegExp; byteMode: boolean }, subject: string): boolean {
  return compiled.regex.test(compiled.byteMode ? toByteString(subject) : subject);
}
