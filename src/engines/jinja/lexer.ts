// Splits Jinja template source into tokens, with Jinja's default delimiters and whitespace rules
// (autoescape off, trim_blocks/lstrip_blocks off, keep_trailing_newline off).

import { syntaxError } from "./errors.js";
import { escapeNonAscii } from "./printing.js";

export type TokenType =
  | "data"
  | "name"
  | "string"
  | "integer"
  | "float"
  | "operator"
  | "variable_begin"
  | "variable_end"
  | "block_begin"
  | "block_end"
  | "eof";

export interface Token {
  type: TokenType;
  /** Decoded value: text for data/string/name/operator, digits for numbers. */
  value: string;
  line: number;
  column: number;
}

const WS = /\s+/y;
const FLOAT = /(?<!\.)(?:\d+_)*\d+(?:(?:\.(?:\d+_)*\d+)?e[+-]?(?:\d+_)*\d+|\.(?:\d+_)*\d+)/iy;
const INTEGER = /(?:0b(?:_?[01])+|0o(?:_?[0-7])+|0x(?:_?[\da-f])+|[1-9](?:_?\d)*|0(?:_?0)*)/iy;
const NAME = /[\p{ID_Start}_][\p{ID_Continue}]*/uy;
const STRING = /'([^'\\]*(?:\\[\s\S][^'\\]*)*)'|"([^"\\]*(?:\\[\s\S][^"\\]*)*)"/y;
const OPERATOR = /\/\/|\*\*|==|!=|>=|<=|[+\-/*%~[\](){}><=.:|,;]/y;
/** Value tokens, tried in Jinja's order after whitespace. */
const VALUE_RULES: [RegExp, TokenType][] = [
  [FLOAT, "float"],
  [INTEGER, "integer"],
  [NAME, "name"],
  [STRING, "string"],
];
const RAW_BEGIN = /\{%([-+]?)\s*raw\s*(-?)%\}/y;
const RAW_END = /\{%([-+]?)\s*endraw\s*(?:\+%\}|(-)%\}|%\})/g;
const TAG_START = /\{([{%#])([-+]?)/g;
const COMMENT_END = /(?:\+#\}|(-)#\}|#\})/g;
const TRAILING_WS = /\s+$/u;
const LEADING_WS = /^\s+/u;

const CLOSERS: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

/** Line and column (1-based) of an offset; computed only when a token or error needs it. */
class Positions {
  private readonly starts: number[] = [0];
  constructor(src: string) {
    for (let i = 0; i < src.length; i++) if (src.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  at(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo] + 1 };
  }
}

/** Jinja normalises line endings to \n and drops a single trailing newline. */
export function normalizeSource(source: string): string {
  let s = source.replace(/\r\n?/g, "\n");
  if (s.endsWith("\n")) s = s.slice(0, -1);
  return s;
}

export function tokenize(source: string): Token[] {
  const src = normalizeSource(source);
  const pos = new Positions(src);
  const tokens: Token[] = [];
  const push = (type: TokenType, value: string, offset: number): void => {
    const p = pos.at(offset);
    tokens.push({ type, value, line: p.line, column: p.column });
  };
  let i = 0;
  let stripNext = false; // a preceding "-%}" / "-}}" / "-#}" asks to drop the whitespace that follows

  const pushData = (text: string, offset: number, stripEnd: boolean): void => {
    let t = text;
    if (stripNext) t = t.replace(LEADING_WS, "");
    if (stripEnd) t = t.replace(TRAILING_WS, "");
    stripNext = false;
    if (t) push("data", t, offset);
  };

  while (i < src.length) {
    TAG_START.lastIndex = i;
    const m = TAG_START.exec(src);
    if (!m) {
      pushData(src.slice(i), i, false);
      break;
    }
    const tagAt = m.index;
    const kind = m[1];
    const strip = m[2] === "-";

    if (kind === "%") {
      RAW_BEGIN.lastIndex = tagAt;
      const raw = RAW_BEGIN.exec(src);
      if (raw) {
        pushData(src.slice(i, tagAt), i, raw[1] === "-");
        RAW_END.lastIndex = RAW_BEGIN.lastIndex;
        const end = RAW_END.exec(src);
        if (!end) {
          const p = pos.at(tagAt);
          throw syntaxError("Missing end of raw directive", p.line, p.column);
        }
        let body = src.slice(RAW_BEGIN.lastIndex, end.index);
        if (raw[2] === "-") body = body.replace(LEADING_WS, "");
        if (end[1] === "-") body = body.replace(TRAILING_WS, "");
        if (body) push("data", body, RAW_BEGIN.lastIndex);
        i = RAW_END.lastIndex;
        if (end[2] === "-") stripNext = true;
        continue;
      }
    }

    pushData(src.slice(i, tagAt), i, strip);
    const bodyStart = tagAt + 2 + m[2].length;

    if (kind === "#") {
      COMMENT_END.lastIndex = bodyStart;
      const end = COMMENT_END.exec(src);
      if (!end) {
        const p = pos.at(tagAt);
        throw syntaxError("Missing end of comment tag", p.line, p.column);
      }
      i = COMMENT_END.lastIndex;
      if (end[1] === "-") stripNext = true;
      continue;
    }

    const isVar = kind === "{";
    push(isVar ? "variable_begin" : "block_begin", src.slice(tagAt, bodyStart), tagAt);
    i = lexTag(src, bodyStart, isVar);
  }
  push("eof", "", src.length);
  return tokens;

  /** Lexes the inside of {{ }} or {% %}; returns the offset after the closing delimiter. */
  function lexTag(s: string, start: number, isVar: boolean): number {
    let j = start;
    const balance: string[] = [];
    const endDelim = isVar ? "}}" : "%}";
    for (;;) {
      if (j >= s.length) {
        const p = pos.at(j);
        throw syntaxError(
          `unexpected end of template, expected '${isVar ? "end of print statement" : "end of statement block"}'.`,
          p.line,
          p.column,
        );
      }
      if (balance.length === 0) {
        if (s.startsWith("-" + endDelim, j)) {
          push(isVar ? "variable_end" : "block_end", "-" + endDelim, j);
          stripNext = true;
          return j + 3;
        }
        if (!isVar && s.startsWith("+%}", j)) {
          push("block_end", "+%}", j);
          return j + 3;
        }
        if (s.startsWith(endDelim, j)) {
          push(isVar ? "variable_end" : "block_end", endDelim, j);
          return j + 2;
        }
      }
      WS.lastIndex = j;
      if (WS.test(s)) {
        j = WS.lastIndex;
        continue;
      }
      let matched = false;
      for (const [re, type] of VALUE_RULES) {
        re.lastIndex = j;
        const mm = re.exec(s);
        if (!mm) continue;
        push(type, type === "string" ? decodeString(mm[1] ?? mm[2], j) : mm[0], j);
        j = re.lastIndex;
        matched = true;
        break;
      }
      if (matched) continue;
      OPERATOR.lastIndex = j;
      const mm = OPERATOR.exec(s);
      if (mm) {
        const op = mm[0];
        if (op === "(" || op === "[" || op === "{") balance.push(CLOSERS[op]);
        else if (op === ")" || op === "]" || op === "}") {
          const p = pos.at(j);
          if (balance.length === 0) throw syntaxError(`unexpected '${op}'`, p.line, p.column);
          const expected = balance.pop();
          if (expected !== op) throw syntaxError(`unexpected '${op}', expected '${expected}'`, p.line, p.column);
        }
        push("operator", op, j);
        j = OPERATOR.lastIndex;
        continue;
      }
      const p = pos.at(j);
      const ch = s[j] === "'" || s[j] === '"' ? "unexpected end of string" : `unexpected char ${JSON.stringify(s[j])} at ${j}`;
      throw syntaxError(ch, p.line, p.column);
    }
  }

  /** Python "unicode-escape" decoding of a string literal's body. */
  function decodeString(body: string, offset: number): string {
    if (!body.includes("\\")) return body;
    // Jinja decodes `body.encode("ascii", "backslashreplace")`: non-ASCII characters become escapes
    // first, so a backslash right before one escapes the inserted backslash ('\\é' is '\\xe9').
    body = escapeNonAscii(body);
    let out = "";
    for (let k = 0; k < body.length; k++) {
      const c = body[k];
      if (c !== "\\") {
        out += c;
        continue;
      }
      const n = body[++k];
      const simple: Record<string, string> = {
        "\\": "\\",
        "'": "'",
        '"': '"',
        a: "\x07",
        b: "\b",
        f: "\f",
        n: "\n",
        r: "\r",
        t: "\t",
        v: "\v",
        "\n": "",
      };
      if (n in simple) {
        out += simple[n];
        continue;
      }
      if (/[0-7]/.test(n)) {
        let digits = n;
        while (digits.length < 3 && /[0-7]/.test(body[k + 1] ?? "")) digits += body[++k];
        out += String.fromCodePoint(parseInt(digits, 8));
        continue;
      }
      const hexLen = n === "x" ? 2 : n === "u" ? 4 : n === "U" ? 8 : 0;
      if (hexLen) {
        const hex = body.slice(k + 1, k + 1 + hexLen);
        if (hex.length !== hexLen || !/^[0-9a-fA-F]+$/.test(hex)) {
          const p = pos.at(offset);
          throw syntaxError(`(unicode error) 'unicodeescape' codec can't decode bytes: truncated \\${n} escape`, p.line, p.column);
        }
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff) {
          const p = pos.at(offset);
          throw syntaxError("(unicode error) 'unicodeescape' codec can't decode bytes: illegal Unicode character", p.line, p.column);
        }
        out += String.fromCodePoint(cp);
        k += hexLen;
        continue;
      }
      out += "\\" + n; // unknown escapes are kept as written
    }
    return out;
  }
}
