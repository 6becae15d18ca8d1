// Python's textwrap.wrap() as Jinja's |wordwrap uses it (no tab expansion, whitespace kept).

import { pyError } from "./errors.js";
import { isNumeric, len, toNumber } from "./ops.js";
import { pyStrip, splitLines } from "./strmethods.js";
import { Undefined, typeName } from "./values.js";

const WS = "[\\t\\n\\x0b\\x0c\\r ]";
const NWS = "[^\\t\\n\\x0b\\x0c\\r ]";
const WORD_PUNCT = "[\\p{L}\\p{N}_!\"'&.,?]";
const LETTER = "[\\p{L}_]";
const WORDSEP = new RegExp(
  `(${WS}+|(?<=${WORD_PUNCT})-{2,}(?=[\\p{L}\\p{N}_])|${NWS}+?(?:-(?:(?<=${LETTER}{2}-)|(?<=${LETTER}-${LETTER}-))(?=${LETTER}-?${LETTER})|(?=${WS}|$)|(?<=${WORD_PUNCT})(?=-{2,}[\\p{L}\\p{N}_])))`,
  "gu",
);
const WORDSEP_SIMPLE = new RegExp(`(${WS}+)`, "g");

function chunksOf(text: string, breakOnHyphens: boolean): string[] {
  const re = breakOnHyphens ? WORDSEP : WORDSEP_SIMPLE;
  const out: string[] = [];
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0] === "") {
      re.lastIndex++;
      continue;
    }
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(m[0]);
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out.filter((c) => c);
}

// Chunks split at ASCII whitespace only, but dropping a blank chunk tests chunk.strip() == "",
// which knows all Unicode whitespace (a lone U+00A0 chunk is dropped).
const isBlank = (s: string): boolean => pyStrip(s, null, true, true) === "";

function wrapLine(text: string, widthArg: unknown, breakLong: boolean, breakOnHyphens: boolean): string[] {
  // TextWrapper checks `width <= 0` for every line it wraps; a float width works until it slices.
  if (widthArg instanceof Undefined) widthArg.fail();
  if (!isNumeric(widthArg)) throw pyError("TypeError", `'<=' not supported between instances of '${typeName(widthArg)}' and 'int'`);
  const width = toNumber(widthArg);
  if (width <= 0) throw pyError("ValueError", `invalid width ${width} (must be > 0)`);
  const chunks = chunksOf(text, breakOnHyphens).reverse();
  const lines: string[] = [];
  while (chunks.length) {
    const cur: string[] = [];
    let curLen = 0;
    if (lines.length && isBlank(chunks[chunks.length - 1])) chunks.pop();
    while (chunks.length) {
      const l = len(chunks[chunks.length - 1]);
      if (curLen + l <= width) {
        cur.push(chunks.pop()!);
        curLen += l;
      } else break;
    }
    if (chunks.length && len(chunks[chunks.length - 1]) > width) {
      const spaceLeft = width < 1 ? 1 : width - curLen;
      if (breakLong) {
        if (!Number.isInteger(spaceLeft)) throw pyError("TypeError", "slice indices must be integers or None or have an __index__ method");
        const chunk = Array.from(chunks[chunks.length - 1]);
        let end = spaceLeft;
        if (breakOnHyphens && chunk.length > spaceLeft) {
          const hyphen = chunk.slice(0, spaceLeft).lastIndexOf("-");
          if (hyphen > 0 && chunk.slice(0, hyphen).some((c) => c !== "-")) end = hyphen + 1;
        }
        cur.push(chunk.slice(0, end).join(""));
        curLen += end;
        chunks[chunks.length - 1] = chunk.slice(end).join("");
      } else if (!cur.length) {
        cur.push(chunks.pop()!);
      }
    }
    if (cur.length && isBlank(cur[cur.length - 1])) {
      curLen -= len(cur[cur.length - 1]);
      cur.pop();
    }
    if (cur.length) lines.push(cur.join(""));
  }
  return lines;
}

export function wordwrap(s: string, width: unknown, breakLong: boolean, wrapstring: string, breakOnHyphens: boolean): string {
  return splitLines(s)
    .map((line) => wrapLine(line, width, breakLong, breakOnHyphens).join(wrapstring))
    .join(wrapstring);
}
