// The methods of Python's str that templates may call (`Event.info.startswith('x')`).

import { NO_DEFAULT, bind, noKwargs } from "./callargs.js";
import { casefold, lowerAt, swapcase, toTitleChar } from "./casing.js";
import { currentBudget, repeatChecked } from "./current.js";
import { pyError } from "./errors.js";
import { cIntArg, chars, intArg, isStr, iterate, len } from "./ops.js";
import { str } from "./printing.js";
import { strFormat } from "./strformat.js";
import { Markup, MISSING, PyCallable, dictGet, isDict, isTuple, newList, tuple, typeName, type CallArgs } from "./values.js";

/** Python's str.isspace() characters. */
export const PY_WS =
  " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";
const WS_SET = new Set(PY_WS);
const LINE_BREAKS = /\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]/;

export function isPySpace(c: string): boolean {
  return WS_SET.has(c);
}

export function pyStrip(s: string, set: Set<string> | null, left: boolean, right: boolean): string {
  const cs = chars(s);
  const test = set ? (c: string) => set.has(c) : isPySpace;
  let a = 0;
  let b = cs.length;
  if (left) while (a < b && test(cs[a])) a++;
  if (right) while (b > a && test(cs[b - 1])) b--;
  return cs.slice(a, b).join("");
}

/** str.split / str.rsplit with Python's whitespace rules. */
export function pySplit(s: string, sep: string | null, maxsplit: number, fromRight = false): string[] {
  if (sep === null) {
    const words = s.split(new RegExp(`[${escapeClass(PY_WS)}]+`)).filter((w) => w !== "");
    if (maxsplit < 0 || words.length <= maxsplit + 1) return words;
    // Re-split keeping the remainder intact.
    const out: string[] = [];
    if (!fromRight) {
      let rest = pyStrip(s, null, true, false);
      for (let i = 0; i < maxsplit; i++) {
        const m = new RegExp(`[${escapeClass(PY_WS)}]+`).exec(rest);
        if (!m) break;
        out.push(rest.slice(0, m.index));
        rest = pyStrip(rest.slice(m.index), null, true, false);
      }
      if (rest) out.push(rest);
      return out;
    }
    let rest = pyStrip(s, null, false, true);
    for (let i = 0; i < maxsplit; i++) {
      const m = new RegExp(`[${escapeClass(PY_WS)}]+(?=[^${escapeClass(PY_WS)}]*$)`).exec(rest);
      if (!m) break;
      out.unshift(rest.slice(m.index + m[0].length));
      rest = pyStrip(rest.slice(0, m.index), null, false, true);
    }
    if (rest) out.unshift(rest);
    return out;
  }
  if (sep === "") throw pyError("ValueError", "empty separator");
  const parts = s.split(sep);
  if (maxsplit < 0 || parts.length <= maxsplit + 1) return parts;
  if (!fromRight) return [...parts.slice(0, maxsplit), parts.slice(maxsplit).join(sep)];
  const keep = parts.length - maxsplit;
  return [parts.slice(0, keep).join(sep), ...parts.slice(keep)];
}

function escapeClass(s: string): string {
  return s.replace(/[\]\\^-]/g, "\\$&");
}

export function splitLines(s: string, keepends = false): string[] {
  const out: string[] = [];
  let rest = s;
  while (rest.length) {
    const m = LINE_BREAKS.exec(rest);
    if (!m) {
      out.push(rest);
      break;
    }
    out.push(rest.slice(0, keepends ? m.index + m[0].length : m.index));
    rest = rest.slice(m.index + m[0].length);
  }
  return out;
}

function isCased(c: string): boolean {
  return c.toLowerCase() !== c.toUpperCase();
}

export function pyTitle(s: string): string {
  let prevCased = false;
  let out = "";
  const cps = chars(s);
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i];
    if (isCased(c)) {
      out += prevCased ? lowerAt(cps, i) : toTitleChar(c);
      prevCased = true;
    } else {
      out += c;
      prevCased = /\p{Lt}|\p{Lu}|\p{Ll}/u.test(c);
    }
  }
  return out;
}

/** Python 3.8+: the first character in title case, the rest lower case (in context, for final sigma). */
export function pyCapitalize(s: string): string {
  const cs = chars(s);
  if (!cs.length) return s;
  let out = toTitleChar(cs[0]);
  for (let i = 1; i < cs.length; i++) out += lowerAt(cs, i);
  return out;
}

/** str.ljust / str.rjust: width converted (C size) before the fill character is checked. */
function justify(s: string, c: CallArgs, name: "ljust" | "rjust"): string {
  noKwargs(name, c);
  const [w, f] = bind(name, c, [
    ["width", NO_DEFAULT],
    ["fillchar", " "],
  ]);
  const width = cIntArg(w);
  const fill = fillChar(f);
  const n = width - len(s);
  if (n <= 0) return s;
  return name === "ljust" ? s + repeatChecked(fill, n) : repeatChecked(fill, n) + s;
}

/** Python's str.center padding rule. */
export function pyCenter(s: string, width: number, fill = " "): string {
  const n = len(s);
  const marg = width - n;
  if (marg <= 0) return s;
  const left = Math.floor(marg / 2) + (marg & width & 1);
  return repeatChecked(fill, left) + s + repeatChecked(fill, marg - left);
}

function fillChar(v: unknown): string {
  const f = v === undefined ? " " : v;
  if (!isStr(f) || len(f) !== 1) throw pyError("TypeError", "The fill character must be exactly one character long");
  return str(f);
}

/** Python slice bounds (start/end arguments of find, count, startswith ...) on a char array. */
function bounds(n: number, start: unknown, end: unknown): [number, number] {
  const norm = (v: unknown, d: number): number => {
    if (v === null || v === undefined) return d;
    const i = intArg(v);
    return i < 0 ? Math.max(0, i + n) : i;
  };
  // CPython's ADJUST_INDICES clamps the end to the length but not the start: 'abc'.find('', 5) is -1.
  return [norm(start, 0), Math.min(norm(end, n), n)];
}

function findIn(hay: string[], needle: string[], from: number, to: number, last: boolean): number {
  if (needle.length === 0) return from <= to ? (last ? to : from) : -1;
  const check = (i: number): boolean => needle.every((c, k) => hay[i + k] === c);
  if (!last) {
    for (let i = from; i + needle.length <= to; i++) if (check(i)) return i;
  } else {
    for (let i = to - needle.length; i >= from; i--) if (check(i)) return i;
  }
  return -1;
}

function countIn(hay: string[], needle: string[], from: number, to: number): number {
  if (from > to) return 0;
  if (needle.length === 0) return to - from + 1;
  let n = 0;
  for (let i = from; i + needle.length <= to; ) {
    if (needle.every((c, k) => hay[i + k] === c)) {
      n++;
      i += needle.length;
    } else i++;
  }
  return n;
}

export function pyReplace(s: string, old: string, rep: string, count: number): string {
  if (count < 0) {
    if (old === "") return rep + chars(s).join(rep) + (s.length ? rep : "");
    return s.split(old).join(rep);
  }
  if (old === "") {
    const cs = chars(s);
    let out = "";
    let n = 0;
    for (let i = 0; i <= cs.length; i++) {
      if (n < count) {
        out += rep;
        n++;
      }
      if (i < cs.length) out += cs[i];
    }
    return out;
  }
  let out = "";
  let rest = s;
  for (let n = 0; n < count; n++) {
    const i = rest.indexOf(old);
    if (i < 0) break;
    out += rest.slice(0, i) + rep;
    rest = rest.slice(i + old.length);
  }
  return out + rest;
}

function strArg(v: unknown, fname: string): string {
  if (!isStr(v)) throw pyError("TypeError", `${fname} arg must be None or str`);
  return str(v);
}

function prefixes(v: unknown, fname: string): string[] {
  if (isTuple(v)) {
    return v.map((x) => {
      if (!isStr(x)) throw pyError("TypeError", `tuple for ${fname} must only contain str, not ${typeName(x)}`);
      return str(x);
    });
  }
  if (!isStr(v)) throw pyError("TypeError", `${fname} first arg must be str or a tuple of str, not ${typeName(v)}`);
  return [str(v)];
}

type Method = (s: string, call: CallArgs) => unknown;

const RE_ALNUM = /^[\p{L}\p{N}]+$/u;
const RE_ALPHA = /^\p{L}+$/u;
const RE_DECIMAL = /^\p{Nd}+$/u;
const RE_DIGIT = /^[\p{Nd}\u00b2\u00b3\u00b9\u2070-\u2079\u2080-\u2089\u2460-\u2468\u2474-\u247c\u2488-\u2490]+$/u;
const RE_NUMERIC = /^[\p{N}]+$/u;

const METHODS: Record<string, Method> = {
  upper: (s, c) => (noKwargs("upper", c), bind("upper", c, []), s.toUpperCase()),
  lower: (s, c) => (bind("lower", c, []), s.toLowerCase()),
  casefold: (s, c) => (bind("casefold", c, []), casefold(s)),
  swapcase: (s, c) => (bind("swapcase", c, []), swapcase(s)),
  title: (s, c) => (bind("title", c, []), pyTitle(s)),
  capitalize: (s, c) => (bind("capitalize", c, []), pyCapitalize(s)),
  strip: (s, c) => stripMethod(s, c, "strip", true, true),
  lstrip: (s, c) => stripMethod(s, c, "lstrip", true, false),
  rstrip: (s, c) => stripMethod(s, c, "rstrip", false, true),
  split: (s, c) => splitMethod(s, c, "split", false),
  rsplit: (s, c) => splitMethod(s, c, "rsplit", true),
  splitlines: (s, c) => {
    const [keep] = bind("splitlines", c, [["keepends", false]]);
    // keepends is converted as an int (bools and ints only), as Argument Clinic does.
    return newList(splitLines(s, intArg(keep) !== 0));
  },
  startswith: (s, c) => affix(s, c, "startswith", false),
  endswith: (s, c) => affix(s, c, "endswith", true),
  replace: (s, c) => {
    noKwargs("replace", c);
    const [old, rep, count] = bind("replace", c, [
      ["old", NO_DEFAULT],
      ["new", NO_DEFAULT],
      ["count", -1],
    ]);
    if (!isStr(old) || !isStr(rep)) throw pyError("TypeError", `replace() argument must be str, not ${typeName(isStr(old) ? rep : old)}`);
    return pyReplace(s, str(old), str(rep), cIntArg(count));
  },
  find: (s, c) => findMethod(s, c, "find", false, false),
  rfind: (s, c) => findMethod(s, c, "rfind", true, false),
  index: (s, c) => findMethod(s, c, "index", false, true),
  rindex: (s, c) => findMethod(s, c, "rindex", true, true),
  count: (s, c) => {
    noKwargs("count", c);
    const [sub, start, end] = bind("count", c, [
      ["sub", NO_DEFAULT],
      ["start", null],
      ["end", null],
    ]);
    const hay = chars(s);
    const [a, b] = bounds(hay.length, start, end);
    return countIn(hay, chars(strArg(sub, "count")), a, b);
  },
  join: (s, c) => {
    noKwargs("join", c);
    const [items] = bind("join", c, [["iterable", NO_DEFAULT]]);
    const parts: string[] = [];
    let i = 0;
    for (const x of iterate(items)) {
      if (!isStr(x)) throw pyError("TypeError", `sequence item ${i}: expected str instance, ${typeName(x)} found`);
      parts.push(str(x));
      i++;
    }
    return parts.join(s);
  },
  center: (s, c) => {
    noKwargs("center", c);
    const [w, f] = bind("center", c, [
      ["width", NO_DEFAULT],
      ["fillchar", " "],
    ]);
    return pyCenter(s, cIntArg(w), fillChar(f));
  },
  ljust: (s, c) => justify(s, c, "ljust"),
  rjust: (s, c) => justify(s, c, "rjust"),
  zfill: (s, c) => {
    const [w] = bind("zfill", c, [["width", NO_DEFAULT]]);
    const n = cIntArg(w) - len(s);
    if (n <= 0) return s;
    const sign = s[0] === "+" || s[0] === "-" ? s[0] : "";
    return sign + repeatChecked("0", n) + s.slice(sign.length);
  },
  translate: (s, c) => {
    const [table] = bind("translate", c, [["table", NO_DEFAULT]]);
    return translate(s, table);
  },
  partition: (s, c) => partition(s, c, false),
  rpartition: (s, c) => partition(s, c, true),
  removeprefix: (s, c) => {
    const [p] = bind("removeprefix", c, [["prefix", NO_DEFAULT]]);
    const x = strArg(p, "removeprefix");
    return x && s.startsWith(x) ? s.slice(x.length) : s;
  },
  removesuffix: (s, c) => {
    const [p] = bind("removesuffix", c, [["suffix", NO_DEFAULT]]);
    const x = strArg(p, "removesuffix");
    return x && s.endsWith(x) ? s.slice(0, s.length - x.length) : s;
  },
  expandtabs: (s, c) => {
    const [t] = bind("expandtabs", c, [["tabsize", 8]]);
    const size = cIntArg(t, 32);
    let col = 0;
    let out = "";
    for (const ch of s) {
      if (ch === "\t") {
        const n = size > 0 ? size - (col % size) : 0;
        out += repeatChecked(" ", n);
        col += n;
      } else {
        out += ch;
        col = ch === "\n" || ch === "\r" ? 0 : col + 1;
      }
    }
    return out;
  },
  isalnum: (s, c) => (bind("isalnum", c, []), RE_ALNUM.test(s)),
  isalpha: (s, c) => (bind("isalpha", c, []), RE_ALPHA.test(s)),
  isascii: (s, c) => (bind("isascii", c, []), /^[\x00-\x7f]*$/.test(s)),
  isdecimal: (s, c) => (bind("isdecimal", c, []), RE_DECIMAL.test(s)),
  isdigit: (s, c) => (bind("isdigit", c, []), RE_DIGIT.test(s)),
  isnumeric: (s, c) => (bind("isnumeric", c, []), RE_NUMERIC.test(s)),
  isidentifier: (s, c) => (bind("isidentifier", c, []), /^[\p{ID_Start}_][\p{ID_Continue}]*$/u.test(s)),
  isprintable: (s, c) => (
    bind("isprintable", c, []), !/[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/u.test(s)
  ),
  isspace: (s, c) => (bind("isspace", c, []), s.length > 0 && chars(s).every(isPySpace)),
  islower: (s, c) => (bind("islower", c, []), hasCased(s) && s === s.toLowerCase()),
  isupper: (s, c) => (bind("isupper", c, []), hasCased(s) && s === s.toUpperCase()),
  istitle: (s, c) => (bind("istitle", c, []), hasCased(s) && pyTitle(s) === s),
  format: (s, c) => strFormat(s, c.args, c.kwargs),
  format_map: (s, c) => {
    const [m] = bind("format_map", c, [["mapping", NO_DEFAULT]]);
    return strFormat(s, [], m);
  },
};

/** Markup's own format methods escape every field (markupsafe's EscapeFormatter). */
const MARKUP_METHODS: Record<string, Method> = {
  format: (s, c) => strFormat(s, c.args, c.kwargs, true),
  format_map: (s, c) => strFormat(s, [], bind("format_map", c, [["mapping", NO_DEFAULT]])[0], true),
};

function hasCased(s: string): boolean {
  return chars(s).some(isCased);
}

function stripMethod(s: string, c: CallArgs, name: string, left: boolean, right: boolean): string {
  noKwargs(name, c);
  const [set] = bind(name, c, [["chars", null]]);
  if (set !== null && !isStr(set)) throw pyError("TypeError", `${name} arg must be None or str`);
  return pyStrip(s, set === null ? null : new Set(chars(str(set))), left, right);
}

function splitMethod(s: string, c: CallArgs, name: string, fromRight: boolean): unknown[] {
  const [sep, max] = bind(name, c, [
    ["sep", null],
    ["maxsplit", -1],
  ]);
  const maxsplit = cIntArg(max); // converted while parsing arguments, before sep is looked at
  if (sep !== null && !isStr(sep)) throw pyError("TypeError", `must be str or None, not ${typeName(sep)}`);
  return newList(pySplit(s, sep === null ? null : str(sep), maxsplit, fromRight));
}

function affix(s: string, c: CallArgs, name: string, end: boolean): boolean {
  noKwargs(name, c);
  const [p, start, stop] = bind(name, c, [
    ["prefix", NO_DEFAULT],
    ["start", null],
    ["end", null],
  ]);
  const cs = chars(s);
  const [a, b] = bounds(cs.length, start, stop);
  const wanted = prefixes(p, name); // the prefix type is checked even when the range is empty
  if (a > b) return false;
  const part = cs.slice(a, b).join("");
  return wanted.some((x) => (end ? part.endsWith(x) : part.startsWith(x)));
}

function findMethod(s: string, c: CallArgs, name: string, last: boolean, raise: boolean): number {
  noKwargs(name, c);
  const [sub, start, end] = bind(name, c, [
    ["sub", NO_DEFAULT],
    ["start", null],
    ["end", null],
  ]);
  if (!isStr(sub)) throw pyError("TypeError", `must be str, not ${typeName(sub)}`);
  const hay = chars(s);
  const [a, b] = bounds(hay.length, start, end);
  const i = a > b ? -1 : findIn(hay, chars(str(sub)), a, b, last);
  if (i < 0 && raise) throw pyError("ValueError", "substring not found");
  return i;
}

function partition(s: string, c: CallArgs, last: boolean): unknown[] {
  const [sep] = bind(last ? "rpartition" : "partition", c, [["sep", NO_DEFAULT]]);
  const x = strArg(sep, "partition");
  if (x === "") throw pyError("ValueError", "empty separator");
  const i = last ? s.lastIndexOf(x) : s.indexOf(x);
  if (i < 0) return last ? tuple(["", "", s]) : tuple([s, "", ""]);
  return tuple([s.slice(0, i), x, s.slice(i + x.length)]);
}

/** Bound method `name` of a str (or Markup), or MISSING. */
export function strMethod(self: string | Markup, name: string): unknown {
  if (!Object.prototype.hasOwnProperty.call(METHODS, name)) return MISSING;
  const markup = self instanceof Markup;
  const m = (markup && MARKUP_METHODS[name]) || METHODS[name];
  const s = str(self);
  return new PyCallable(
    name,
    (call) => {
      const r = m(s, call);
      return markup && typeof r === "string" ? new Markup(r) : r;
    },
    `<built-in method ${name} of ${markup ? "Markup" : "str"} object at %ADDR%>`,
  );
}

/** str.translate(table): table[ord(c)] is a str, a code point or None (delete); a failed lookup keeps c. */
function translate(s: string, table: unknown): string {
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    let to: unknown = MISSING;
    if (isDict(table)) to = dictGet(table, cp);
    else if (Array.isArray(table) || isStr(table)) {
      const seq = Array.isArray(table) ? table : chars(str(table));
      if (cp < seq.length) to = seq[cp];
    } else throw pyError("TypeError", `'${typeName(table)}' object is not subscriptable`);
    if (to === MISSING) out += ch;
    else if (to === null) continue;
    else if (isStr(to)) out += str(to);
    else if (typeof to === "boolean" || (typeof to === "number" && Number.isInteger(to)) || typeof to === "bigint") {
      const n = Number(to);
      if (n < 0 || n >= 0x110000) throw pyError("ValueError", "character mapping must be in range(0x110000)");
      out += String.fromCodePoint(n);
    } else throw pyError("TypeError", "character mapping must return integer, None or str");
    if (out.length > 4096) currentBudget().checkString(out.length);
  }
  return out;
}
