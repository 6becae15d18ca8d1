// Jinja2's builtin filters, with their Python semantics (lazy generators where Jinja yields).

import { getAttr, getAttrOnly, getItem, undefinedAttrFilter } from "./attributes.js";
import { repeatChecked } from "./current.js";
import type { Budget } from "./budget.js";
import { NO_DEFAULT, bind } from "./callargs.js";
import { roundHalfEven } from "./decimal.js";
import { pyError } from "./errors.js";
import { htmlUnescape } from "./html.js";
import { toJson } from "./json.js";
import * as ops from "./ops.js";
import { pformat } from "./pprint.js";
import { printfFormat } from "./printf.js";
import { repr, str } from "./printing.js";
import { pyCapitalize, pyCenter, pyReplace, pyStrip, splitLines } from "./strmethods.js";
import { wordwrap } from "./textwrap.js";
import { URI_SCHEME_RE, urlize } from "./urlize.js";
import {
  DictView,
  GROUP_TUPLES,
  Markup,
  PyDict,
  PyFloat,
  PyIter,
  PyObject,
  PyRange,
  Undefined,
  dictEntries,
  hashKey,
  isDict,
  isTuple,
  mkFloat,
  newList,
  tuple,
  typeName,
  type CallArgs,
} from "./values.js";

export interface FilterEnv {
  budget: Budget;
  callTest(name: string, value: unknown, args: CallArgs): unknown;
  callFilter(name: string, value: unknown, args: CallArgs): unknown;
  autoescape(): boolean;
}

type Filter = (env: FilterEnv, value: unknown, call: CallArgs) => unknown;

function gen(fn: () => Generator<unknown>, pyName: string): PyIter {
  return new PyIter(fn(), "generator", `<generator object ${pyName} at %ADDR%>`);
}

function softStr(v: unknown): string {
  return str(v);
}

/** soft_str keeps Markup, and Markup's own str methods (center, lower, strip ...) return Markup. */
function likeValue(v: unknown, s: string): string | Markup {
  return v instanceof Markup ? new Markup(s) : s;
}

function ignoreCase(v: unknown): unknown {
  return typeof v === "string" ? v.toLowerCase() : v instanceof Markup ? new Markup(v.s.toLowerCase()) : v;
}

const partsCache = new Map<string, unknown[]>();
function attributeParts(attribute: unknown): unknown[] {
  if (attribute === null || attribute === undefined) return [];
  if (typeof attribute === "string") {
    let parts = partsCache.get(attribute);
    if (!parts) {
      parts = attribute.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p));
      if (partsCache.size < 1000) partsCache.set(attribute, parts);
    }
    return parts;
  }
  return [attribute];
}

/** Jinja's make_attrgetter: dotted item lookup ("a.b.0"), optional default and post-processing. */
export function attrGetter(attribute: unknown, postprocess?: (v: unknown) => unknown, dflt: unknown = null): (item: unknown) => unknown {
  const parts = attributeParts(attribute);
  return (item) => {
    let v = item;
    for (const p of parts) {
      v = getItem(v, p);
      if (dflt !== null && v instanceof Undefined) v = dflt;
    }
    return postprocess ? postprocess(v) : v;
  };
}

function multiAttrGetter(attribute: unknown, postprocess?: (v: unknown) => unknown): (item: unknown) => unknown[] {
  const split = typeof attribute === "string" ? attribute.split(",") : [attribute];
  const getters = split.map((a) => attrGetter(a, postprocess));
  return (item) => getters.map((g) => g(item));
}

function sorted(items: unknown[], key: (v: unknown) => unknown, reverse: boolean, budget: Budget): unknown[] {
  budget.work(items.length * Math.max(1, Math.ceil(Math.log2(items.length + 1))));
  const keyed = items.map((v) => ({ v, k: key(v) }));
  // CPython's list.sort(reverse=True) reverses, sorts ascending (stable) and reverses again; doing the
  // same makes the comparisons happen in Python's order, so the first failing one (TypeError vs
  // UndefinedError on mixed keys) is Python's too. V8's TimSort compares in CPython's order otherwise.
  if (reverse) keyed.reverse();
  keyed.sort((a, b) => {
    const c = ops.cmp(a.k, b.k);
    return Number.isNaN(c) ? 0 : c;
  });
  if (reverse) keyed.reverse();
  return newList(keyed.map((x) => x.v));
}

function listOf(value: unknown, budget: Budget): unknown[] {
  return ops.toList(value, budget);
}

/** Python's int()/float() read any Unicode decimal digit (category Nd) as its ASCII digit. */
function asciiDigits(s: string): string {
  if (/^[\x00-\x7f]*$/.test(s)) return s;
  return s.replace(/\p{Nd}/gu, (d) => {
    // Nd digits come in runs of ten starting at zero, so the value is the offset in the run.
    const cp = d.codePointAt(0)!;
    let start = cp;
    while (/\p{Nd}/u.test(String.fromCodePoint(start - 1))) start--;
    return String((cp - start) % 10);
  });
}

const PY_FLOAT =
  /^[+-]?(?:(?:\d(?:_?\d)*)?\.?\d(?:_?\d)*(?:[eE][+-]?\d(?:_?\d)*)?|\d(?:_?\d)*\.(?:[eE][+-]?\d(?:_?\d)*)?|inf(?:inity)?|nan)$/i;

/** Python float(x); throws ValueError/TypeError like Python. */
export function pyFloat(v: unknown): number {
  if (typeof v === "boolean" || typeof v === "number" || typeof v === "bigint" || v instanceof PyFloat) return ops.toNumber(v);
  if (ops.isStr(v)) {
    const s = asciiDigits(pyStrip(str(v), null, true, true));
    if (PY_FLOAT.test(s)) {
      const t = s.replace(/_/g, "").toLowerCase();
      if (t.endsWith("inf") || t.endsWith("infinity")) return t.startsWith("-") ? -Infinity : Infinity;
      if (t.endsWith("nan")) return NaN;
      return Number(t);
    }
    throw pyError("ValueError", `could not convert string to float: ${repr(str(v))}`);
  }
  if (v instanceof Undefined) v.fail();
  throw pyError("TypeError", `float() argument must be a string or a real number, not '${typeName(v)}'`);
}

/** Python int(x) / int(str, base). */
function pyInt(v: unknown, base: number | null): number | bigint {
  if (ops.isStr(v)) {
    const b = base ?? 10;
    if (b !== 0 && (b < 2 || b > 36)) throw pyError("ValueError", "int() base must be >= 2 and <= 36, or 0");
    const bad = () => pyError("ValueError", `invalid literal for int() with base ${b}: ${repr(str(v))}`);
    let body = asciiDigits(pyStrip(str(v), null, true, true));
    let sign = 1n;
    if (body[0] === "-" || body[0] === "+") {
      if (body[0] === "-") sign = -1n;
      body = body.slice(1);
    }
    // A 0x/0o/0b prefix is allowed when the base matches it (or is 0); one "_" may follow it.
    let radix = b;
    const prefix = /^0([xob])/i.exec(body);
    const prefixRadix = prefix ? { x: 16, o: 8, b: 2 }[prefix[1].toLowerCase() as "x" | "o" | "b"] : 0;
    if (prefix && (b === 0 || b === prefixRadix)) {
      radix = prefixRadix;
      body = body.slice(2);
      if (body[0] === "_") body = body.slice(1);
    } else if (b === 0) {
      radix = 10;
      if (/^0+_?[1-9]/.test(body)) throw bad();
    }
    if (!/^[0-9a-z]+(?:_[0-9a-z]+)*$/i.test(body)) throw bad();
    let big = 0n;
    for (const ch of body.replace(/_/g, "").toLowerCase()) {
      const d = parseInt(ch, 36);
      if (d >= radix) throw bad();
      big = big * BigInt(radix) + BigInt(d);
    }
    return ops.mkInt(sign * big);
  }
  if (typeof v === "boolean") return v ? 1 : 0;
  if (ops.isInt(v)) return v;
  if (ops.isFloat(v)) {
    const n = ops.toNumber(v);
    if (Number.isNaN(n)) throw pyError("ValueError", "cannot convert float NaN to integer");
    if (!Number.isFinite(n)) throw pyError("OverflowError", "cannot convert float infinity to integer");
    const t = Math.trunc(n);
    return Number.isSafeInteger(t) ? t || 0 : ops.mkInt(BigInt(t));
  }
  if (v instanceof Undefined) v.fail();
  throw pyError("TypeError", `int() argument must be a string, a bytes-like object or a real number, not '${typeName(v)}'`);
}

/** Python round(x, ndigits) for floats: correctly rounded, ties to even. */
function pyRoundFloat(x: number, ndigits: number): number {
  return roundHalfEven(x, ndigits);
}

function doRound(env: FilterEnv, value: unknown, call: CallArgs): unknown {
  const [precision, method] = bind("do_round", call, [
    ["precision", 0],
    ["method", "common"],
  ]);
  hashKey(method); // `method not in {...}`: an unhashable method is a TypeError
  if (method !== "common" && method !== "ceil" && method !== "floor") {
    throw pyError("FilterArgumentError", "method must be common, ceil or floor");
  }
  if (precision === null && method === "common") {
    // round(x, None) is round(x): an int, also for a float.
    if (value instanceof Undefined) throw pyError("TypeError", "type Undefined doesn't define __round__ method");
    if (typeof value === "boolean" || ops.isInt(value)) return typeof value === "boolean" ? Number(value) : value;
    if (!ops.isFloat(value)) throw pyError("TypeError", `type ${typeName(value)} doesn't define __round__ method`);
    return pyInt(mkFloat(pyRoundFloat(ops.toNumber(value), 0)), null);
  }
  if (precision instanceof Undefined && method !== "common") precision.fail(); // 10 ** Undefined
  const p = ops.intArg(precision);
  if (method === "common") {
    // round(value, precision)
    if (value instanceof Undefined) throw pyError("TypeError", "type Undefined doesn't define __round__ method");
    if (typeof value === "boolean" || ops.isInt(value)) {
      if (p >= 0) return typeof value === "boolean" ? Number(value) : value;
      return roundIntHalfEven(typeof value === "bigint" ? value : BigInt(ops.toNumber(value)), -p);
    }
    if (!ops.isFloat(value)) throw pyError("TypeError", `type ${typeName(value)} doesn't define __round__ method`);
    return mkFloat(pyRoundFloat(ops.toNumber(value), p));
  }
  // math.floor/ceil(value * 10 ** precision) / 10 ** precision: an int, then true division.
  const scale = p >= 0 ? ops.mkInt(10n ** BigInt(p)) : mkFloat(Math.pow(10, p));
  const scaled = ops.mul(value, scale, env.budget);
  if (!ops.isNumeric(scaled)) throw pyError("TypeError", `must be real number, not ${typeName(scaled)}`);
  let whole: number | bigint;
  if (ops.isInt(scaled) || typeof scaled === "boolean") whole = typeof scaled === "boolean" ? Number(scaled) : (scaled as number | bigint);
  else {
    const n = ops.toNumber(scaled);
    if (Number.isNaN(n)) throw pyError("ValueError", "cannot convert float NaN to integer");
    if (!Number.isFinite(n)) throw pyError("OverflowError", "cannot convert float infinity to integer");
    whole = (method === "ceil" ? Math.ceil(n) : Math.floor(n)) + 0; // + 0: floor(-0.0) is the int 0
  }
  return ops.div(whole, scale);
}

/** round(int, -k): nearest multiple of 10**k, ties to even, exact for big ints. */
function roundIntHalfEven(v: bigint, k: number): number | bigint {
  const q = 10n ** BigInt(k);
  let r = v % q;
  if (r < 0n) r += q;
  let down = v - r;
  const twice = 2n * r;
  if (twice > q || (twice === q && (down / q) % 2n !== 0n)) down += q;
  return ops.mkInt(down);
}

function doDefault(_env: FilterEnv, value: unknown, call: CallArgs): unknown {
  const [dflt, boolean] = bind("do_default", call, [
    ["default_value", ""],
    ["boolean", false],
  ]);
  if (value instanceof Undefined || (ops.truthy(boolean) && !ops.truthy(value))) return dflt;
  return value;
}

function doJoin(env: FilterEnv, value: unknown, call: CallArgs): unknown {
  const [d, attribute] =
    call.args.length || call.kwargs.size
      ? bind("do_join", call, [
          ["d", ""],
          ["attribute", null],
        ])
      : ["", null];
  const getter = attribute !== null ? attrGetter(attribute) : null;
  const sep = str(d);
  const parts: string[] = [];
  let anyMarkup = d instanceof Markup;
  const isMarkup: boolean[] = [];
  let total = 0;
  for (const item of ops.iterate(value)) {
    const x = getter ? getter(item) : item;
    const part = str(x);
    total += part.length + sep.length;
    parts.push(part);
    isMarkup.push(x instanceof Markup);
    if (x instanceof Markup) anyMarkup = true;
  }
  env.budget.work(parts.length);
  env.budget.checkString(total);
  // Under autoescape the join is Markup (escaping plain parts and a plain delimiter) only when the
  // delimiter or some item is Markup; otherwise it is a plain str join, escaped when printed.
  if (!env.autoescape() || !anyMarkup) return parts.join(sep);
  const escapedSep = d instanceof Markup ? sep : ops.escapeHtml(sep);
  return new Markup(parts.map((part, i) => (isMarkup[i] ? part : ops.escapeHtml(part))).join(escapedSep));
}

function selectOrReject(env: FilterEnv, value: unknown, call: CallArgs, keep: boolean, lookupAttr: boolean, pyName: string): PyIter {
  const args = call.args;
  // A generator: the arguments are looked at only once it runs, and only for a truthy value.
  return gen(function* () {
    if (!ops.truthy(value)) return;
    let trans: (v: unknown) => unknown = (v) => v;
    let off = 0;
    if (lookupAttr) {
      if (!args.length) throw pyError("FilterArgumentError", "Missing parameter for attribute name");
      trans = attrGetter(args[0]);
      off = 1;
    }
    let test: (v: unknown) => boolean;
    if (args.length > off) {
      const name = args[off];
      const testArgs: CallArgs = { args: args.slice(off + 1), kwargs: call.kwargs };
      // environment.tests.get(name) per item: an unhashable name is a TypeError.
      test = (v) => (hashKey(name), ops.truthy(env.callTest(str(name), v, testArgs)));
    } else test = ops.truthy;
    for (const item of ops.iterate(value)) {
      env.budget.work(1);
      if (test(trans(item)) === keep) yield item;
    }
  }, pyName);
}

function doMap(env: FilterEnv, value: unknown, call: CallArgs): PyIter {
  // A generator: prepare_map runs only once it is iterated, and only for a truthy value.
  return gen(function* () {
    if (!ops.truthy(value)) return;
    const func = prepareMap(env, call);
    for (const item of ops.iterate(value)) {
      env.budget.work(1);
      yield func(item);
    }
  }, "sync_do_map");
}

function prepareMap(env: FilterEnv, call: CallArgs): (v: unknown) => unknown {
  let func: (v: unknown) => unknown;
  if (!call.args.length && call.kwargs.has("attribute")) {
    const kwargs = new Map(call.kwargs);
    const attribute = kwargs.get("attribute");
    kwargs.delete("attribute");
    const dflt = kwargs.has("default") ? kwargs.get("default") : null;
    kwargs.delete("default");
    if (kwargs.size) throw pyError("FilterArgumentError", `Unexpected keyword argument ${repr(kwargs.keys().next().value)}`);
    func = attrGetter(attribute, undefined, dflt);
  } else {
    if (!call.args.length) throw pyError("FilterArgumentError", "map requires a filter argument");
    const name = call.args[0];
    const rest: CallArgs = { args: call.args.slice(1), kwargs: call.kwargs };
    func = (v) => (hashKey(name), env.callFilter(str(name), v, rest));
  }
  return func;
}

function minMax(env: FilterEnv, value: unknown, call: CallArgs, wantMax: boolean): unknown {
  const [caseSensitive, attribute] = bind(wantMax ? "do_max" : "do_min", call, [
    ["case_sensitive", false],
    ["attribute", null],
  ]);
  const items = listOf(value, env.budget);
  if (!items.length) return new Undefined(`No aggregated item, sequence was empty.`);
  const key = attrGetter(attribute, ops.truthy(caseSensitive) ? undefined : ignoreCase);
  let best = items[0];
  let bestKey = key(best);
  for (const item of items.slice(1)) {
    const k = key(item);
    const c = ops.cmp(k, bestKey);
    if (wantMax ? c > 0 : c < 0) {
      best = item;
      bestKey = k;
    }
  }
  return best;
}

function doSum(env: FilterEnv, value: unknown, call: CallArgs): unknown {
  const [attribute, start] = bind("do_sum", call, [
    ["attribute", null],
    ["start", 0],
  ]);
  let items = listOf(value, env.budget);
  if (attribute !== null) items = items.map(attrGetter(attribute));
  if (ops.isStr(start)) throw pyError("TypeError", "sum() can't sum strings [use ''.join(seq) instead]");
  let total = start;
  for (const x of items) total = ops.add(total, x, env.budget);
  return total;
}

function doGroupby(env: FilterEnv, value: unknown, call: CallArgs): unknown {
  const [attribute, dflt, caseSensitive] = bind("do_groupby", call, [
    ["attribute", NO_DEFAULT],
    ["default", null],
    ["case_sensitive", false],
  ]);
  const expr = attrGetter(attribute, ops.truthy(caseSensitive) ? undefined : ignoreCase, dflt);
  const items = sorted(listOf(value, env.budget), expr, false, env.budget);
  const groups: { key: unknown; items: unknown[] }[] = [];
  for (const item of items) {
    const k = expr(item);
    const last = groups[groups.length - 1];
    if (last && ops.eq(last.key, k)) last.items.push(item);
    else groups.push({ key: k, items: [item] });
  }
  const output = attrGetter(attribute, undefined, dflt);
  return newList(groups.map((g) => groupTuple(ops.truthy(caseSensitive) ? g.key : output(g.items[0]), newList(g.items))));
}

/** groupby's (grouper, list) namedtuple: a tuple that also has .grouper and .list. */
function groupTuple(grouper: unknown, list: unknown[]): unknown[] {
  const t = tuple([grouper, list]);
  GROUP_TUPLES.set(t, { grouper, list });
  return t;
}

function doDictsort(env: FilterEnv, value: unknown, call: CallArgs): unknown {
  const [caseSensitive, by, reverse] = bind("do_dictsort", call, [
    ["case_sensitive", false],
    ["by", "key"],
    ["reverse", false],
  ]);
  let pos: number;
  if (by === "key") pos = 0;
  else if (by === "value") pos = 1;
  else throw pyError("FilterArgumentError", 'You can only sort by either "key" or "value"');
  if (!isDict(value)) {
    if (value instanceof Undefined) value.fail();
    throw pyError("AttributeError", `'${typeName(value)}' object has no attribute 'items'`);
  }
  ops.intArg(reverse); // sorted(reverse=...) takes an int
  const items = dictEntries(value).map(([k, v]) => tuple([k, v]));
  return sorted(
    items,
    (t) => {
      const v = (t as unknown[])[pos];
      return ops.truthy(caseSensitive) ? v : ignoreCase(v);
    },
    ops.truthy(reverse),
    env.budget,
  );
}

function doBatch(env: FilterEnv, value: unknown, call: CallArgs): PyIter {
  const [linecount, fill] = bind("do_batch", call, [
    ["linecount", NO_DEFAULT],
    ["fill_with", null],
  ]);
  // Jinja compares len(tmp) == linecount, so a float or str count simply never matches.
  return gen(function* () {
    let tmp: unknown[] = [];
    for (const item of ops.iterate(value)) {
      env.budget.work(1);
      if (ops.eq(tmp.length, linecount)) {
        yield tmp;
        tmp = [];
      }
      tmp.push(item);
    }
    if (tmp.length) {
      if (fill !== null && ops.order("lt", tmp.length, linecount)) {
        const missing = ops.sub(linecount, tmp.length);
        if (!ops.isInt(missing)) throw pyError("TypeError", `can't multiply sequence by non-int of type '${typeName(missing)}'`);
        for (let i = ops.toNumber(missing); i > 0; i--) tmp.push(fill);
      }
      yield newList(tmp);
    }
  }, "do_batch");
}

function doSlice(env: FilterEnv, value: unknown, call: CallArgs): PyIter {
  const [slices, fill] = bind("do_slice", call, [
    ["slices", NO_DEFAULT],
    ["fill_with", null],
  ]);
  return gen(function* () {
    // list(value) first, then length // slices (Undefined fails there).
    const seq = listOf(value, env.budget);
    if (slices instanceof Undefined) slices.fail();
    const n = ops.intArg(slices);
    if (n === 0) throw pyError("ZeroDivisionError", "integer division or modulo by zero");
    const length = seq.length;
    const perSlice = Math.floor(length / n);
    const extra = length % n;
    let offset = 0;
    for (let i = 0; i < n; i++) {
      const start = offset + i * perSlice;
      if (i < extra) offset++;
      const end = offset + (i + 1) * perSlice;
      const tmp = seq.slice(start, end);
      if (fill !== null && i >= extra) tmp.push(fill);
      yield newList(tmp);
    }
  }, "sync_do_slice");
}

function doTruncate(env: FilterEnv, value: unknown, call: CallArgs): unknown {
  const [length, killwords, end, leeway] = bind("do_truncate", call, [
    ["length", 255],
    ["killwords", false],
    ["end", "..."],
    ["leeway", null],
  ]);
  // The asserts come first: len(end) (TypeError for a non-str end), then length and leeway.
  const endLen = ops.len(end);
  if (ops.order("lt", length, endLen)) throw pyError("AssertionError", `expected length >= ${endLen}, got ${str(length)}`);
  if (leeway !== null && ops.order("lt", leeway, 0)) throw pyError("AssertionError", `expected leeway >= 0, got ${str(leeway)}`);
  if (!ops.isStr(value)) {
    // Jinja does not convert the value to str first: len() and slicing apply to it as it is.
    if (value instanceof Undefined) return value;
    const n = ops.len(value);
    if (n <= ops.intArg(length) + (leeway === null ? 5 : ops.intArg(leeway))) return value;
    if (isDict(value)) throw pyError("TypeError", "unhashable type: 'slice'");
    if (!ops.truthy(killwords)) throw pyError("AttributeError", `'${typeName(value)}' object has no attribute 'rsplit'`);
    throw pyError("TypeError", `can only concatenate ${typeName(value)} (not "str") to ${typeName(value)}`);
  }
  const s = ops.chars(softStr(value));
  const e = str(end);
  if (ops.order("lteq", s.length, ops.add(length, leeway === null ? 5 : leeway, env.budget))) return value;
  // s[: length - len(end)] needs an int.
  const stop = ops.intArg(ops.sub(length, endLen));
  if (!ops.isStr(end)) throw pyError("TypeError", `can only concatenate str (not "${typeName(end)}") to str`);
  // Markup slices stay Markup, and Markup + end escapes a plain end.
  const tail = value instanceof Markup && !(end instanceof Markup) ? ops.escapeHtml(e) : e;
  const cut = s.slice(0, Math.max(0, stop)).join("");
  const sp = cut.lastIndexOf(" ");
  return likeValue(value, (ops.truthy(killwords) || sp < 0 ? cut : cut.slice(0, sp)) + tail);
}

function doIndent(_env: FilterEnv, value: unknown, call: CallArgs): unknown {
  const [width, first, blank] = bind("do_indent", call, [
    ["width", 4],
    ["first", false],
    ["blank", false],
  ]);
  // The indention is computed first; then Jinja appends "\n" to the value as it is (no str()
  // first) and calls splitlines() on it.
  if (width instanceof Undefined) width.fail(); // " " * Undefined
  const indention = ops.isStr(width) ? str(width) : repeatChecked(" ", ops.intArg(width));
  if (value instanceof Undefined) value.fail();
  if (!ops.isStr(value)) {
    if (Array.isArray(value) && !isTuple(value)) throw pyError("AttributeError", "'list' object has no attribute 'splitlines'");
    if (isTuple(value)) throw pyError("TypeError", 'can only concatenate tuple (not "str") to tuple');
    throw pyError("TypeError", `unsupported operand type(s) for +=: '${typeName(value)}' and 'str'`);
  }
  const s = softStr(value) + "\n";
  const lines = splitLines(s);
  let rv: string;
  if (ops.truthy(blank)) rv = lines.join("\n" + indention);
  else {
    rv = lines.shift() ?? "";
    if (lines.length) rv += "\n" + lines.map((l) => (l ? indention + l : l)).join("\n");
  }
  if (ops.truthy(first)) rv = indention + rv;
  return value instanceof Markup ? new Markup(rv) : rv;
}

function urlQuote(v: unknown, forQs: boolean): string {
  const s = ops.isStr(v) ? str(v) : str(v);
  const bytes = Buffer.from(s, "utf8");
  let out = "";
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9_.\-~]/.test(c) || (!forQs && c === "/")) out += c;
    else out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return forQs ? out.replace(/%20/g, "+") : out;
}

function doUrlencode(_env: FilterEnv, value: unknown): string {
  if (ops.isStr(value) || !ops.isIterable(value) || value instanceof Undefined) return urlQuote(value, false);
  const pairs: [unknown, unknown][] = isDict(value)
    ? dictEntries(value)
    : [...ops.iterate(value)].map((p) => {
        const pair = [...ops.iterate(p)];
        if (pair.length !== 2) throw pyError("ValueError", `too many values to unpack (expected 2)`);
        return [pair[0], pair[1]] as [unknown, unknown];
      });
  return pairs.map(([k, v]) => `${urlQuote(k, true)}=${urlQuote(v, true)}`).join("&");
}

function doFilesizeformat(_env: FilterEnv, value: unknown, call: CallArgs): string {
  const [binary] = bind("do_filesizeformat", call, [["binary", false]]);
  const bytes = pyFloat(value);
  const bin = ops.truthy(binary);
  const base = bin ? 1024 : 1000;
  const prefixes = bin ? ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"] : ["kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
  if (bytes === 1) return "1 Byte";
  if (bytes < base) return `${str(pyInt(mkFloat(bytes), null))} Bytes`;
  let unit = 0;
  let prefix = "";
  for (let i = 0; i < prefixes.length; i++) {
    unit = Math.pow(base, i + 2);
    prefix = prefixes[i];
    if (bytes < unit) break;
  }
  return `${printfFormat("%.1f", (base * bytes) / unit)} ${prefix}`;
}

function doXmlattr(env: FilterEnv, value: unknown, call: CallArgs): string | Markup {
  const [autospace] = bind("do_xmlattr", call, [["autospace", true]]);
  if (value instanceof Undefined) value.fail();
  if (!isDict(value)) throw pyError("AttributeError", `'${typeName(value)}' object has no attribute 'items'`);
  const parts: string[] = [];
  for (const [k, v] of dictEntries(value)) {
    if (v === null || v instanceof Undefined) continue;
    // re.search(r"[\s/>=]", key, flags=re.ASCII): keys must be str; only ASCII whitespace counts.
    if (!ops.isStr(k)) throw pyError("TypeError", `expected string or bytes-like object, got '${typeName(k)}'`);
    if (/[ \t\n\r\f\v/>=]/.test(str(k))) throw pyError("ValueError", `Invalid character in attribute name: ${repr(k)}`);
    parts.push(`${escapeValue(k).s}="${escapeValue(v).s}"`);
  }
  let rv = parts.join(" ");
  if (ops.truthy(autospace) && rv) rv = " " + rv;
  return env.autoescape() ? new Markup(rv) : rv; // Markup only under autoescape, as Jinja does
}

function doStriptags(_env: FilterEnv, value: unknown): string {
  let s = softStr(value);
  s = s.replace(/<!--[\s\S]*?-->/g, "").replace(/<[\s\S]*?>/g, "");
  s = s
    .split(/[\t\n\x0b\x0c\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/)
    .filter(Boolean)
    .join(" ");
  return htmlUnescape(s);
}

function doTitle(_env: FilterEnv, value: unknown): string {
  const s = softStr(value);
  return s
    .split(/([-\s({[<]+)/u)
    .filter((x) => x)
    .map((item) => {
      const cs = ops.chars(item);
      return cs[0].toUpperCase() + cs.slice(1).join("").toLowerCase();
    })
    .join("");
}

function doReverse(_env: FilterEnv, value: unknown): unknown {
  if (ops.isStr(value)) {
    const r = ops.chars(str(value)).reverse().join("");
    return value instanceof Markup ? new Markup(r) : r;
  }
  if (Array.isArray(value)) {
    const items = value;
    return new PyIter(
      (function* () {
        for (let i = items.length - 1; i >= 0; i--) yield items[i];
      })(),
      "list_reverseiterator",
      `<list_reverseiterator object at %ADDR%>`,
    );
  }
  if (value instanceof PyRange) {
    return new PyIter([...ops.iterate(value)].reverse()[Symbol.iterator](), "range_iterator", "<range_iterator object at %ADDR%>");
  }
  if (isDict(value)) {
    return new PyIter(
      [...ops.iterate(value)].reverse()[Symbol.iterator](),
      "dict_reversekeyiterator",
      "<dict_reversekeyiterator object at %ADDR%>",
    );
  }
  if (value instanceof Undefined) return new PyIter([][Symbol.iterator](), "reversed", "<reversed object at %ADDR%>");
  try {
    const rv = [...ops.iterate(value)];
    rv.reverse();
    return newList(rv);
  } catch {
    throw pyError("FilterArgumentError", "argument must be iterable");
  }
}

function doLast(env: FilterEnv, value: unknown): unknown {
  if (value instanceof PyIter) throw pyError("TypeError", `'${value.typeName}' object is not reversible`);
  if (value instanceof Undefined) return new Undefined("No last item, sequence was empty.");
  if (ops.isStr(value) || Array.isArray(value) || value instanceof PyRange || isDict(value) || value instanceof DictView) {
    const items = listOf(value, env.budget);
    if (!items.length) return new Undefined("No last item, sequence was empty.");
    // reversed() indexes the sequence: Markup's __getitem__ gives Markup.
    const last = items[items.length - 1];
    return value instanceof Markup ? new Markup(str(last)) : last;
  }
  throw pyError("TypeError", `'${typeName(value)}' object is not reversible`);
}

function doFirst(_env: FilterEnv, value: unknown): unknown {
  for (const x of ops.iterate(value)) return x;
  return new Undefined("No first item, sequence was empty.");
}

function doUnique(env: FilterEnv, value: unknown, call: CallArgs): PyIter {
  const [caseSensitive, attribute] = bind("do_unique", call, [
    ["case_sensitive", false],
    ["attribute", null],
  ]);
  const getter = attrGetter(attribute, ops.truthy(caseSensitive) ? undefined : ignoreCase);
  return gen(function* () {
    const seen = new Set<unknown>();
    for (const item of ops.iterate(value)) {
      env.budget.work(1);
      const k = hashKey(getter(item));
      if (!seen.has(k)) {
        seen.add(k);
        yield item;
      }
    }
  }, "sync_do_unique");
}

function doItems(_env: FilterEnv, value: unknown): PyIter {
  if (value instanceof Undefined) return gen(function* () {}, "do_items");
  // A generator: the TypeError comes only when it is iterated.
  return gen(function* () {
    if (!isDict(value)) throw pyError("TypeError", "Can only get item pairs from a mapping.");
    for (const [k, v] of dictEntries(value)) yield tuple([k, v]);
  }, "do_items");
}

function doAttr(_env: FilterEnv, value: unknown, call: CallArgs): unknown {
  const [name] = bind("do_attr", call, [["name", NO_DEFAULT]]);
  // inspect.getattr_static(obj, name) wants a str name.
  if (!ops.isStr(name)) throw pyError("TypeError", `attribute name must be string, not '${typeName(name)}'`);
  const n = str(name);
  if (isDict(value) || value instanceof Undefined) {
    // attr() reads Python attributes only, never keys.
    if (value instanceof Undefined) return undefinedAttrFilter(value, n);
    const v = getAttr(value, n);
    if (!(v instanceof Undefined) && MAPPING_METHOD_NAMES.has(n)) return v;
    if (v instanceof Undefined && v.exc === "SecurityError") return v;
    return new Undefined(null, value, n);
  }
  return value instanceof PyObject ? getAttrOnly(value, n) : getAttr(value, n);
}
const MAPPING_METHOD_NAMES = new Set([
  "clear",
  "copy",
  "fromkeys",
  "get",
  "items",
  "keys",
  "pop",
  "popitem",
  "setdefault",
  "update",
  "values",
]);

const FILTERS: Record<string, Filter> = {
  abs: (_e, v) => {
    if (typeof v === "boolean") return Number(v);
    if (ops.isInt(v)) return typeof v === "bigint" ? (v < 0n ? -v : v) : Math.abs(v);
    if (ops.isFloat(v)) return mkFloat(Math.abs(ops.toNumber(v)));
    throw pyError("TypeError", `bad operand type for abs(): '${typeName(v)}'`);
  },
  attr: doAttr,
  batch: doBatch,
  capitalize: (_e, v) => likeValue(v, pyCapitalize(softStr(v))),
  center: (_e, v, c) => {
    const [width] = bind("do_center", c, [["width", 80]]);
    return likeValue(v, pyCenter(softStr(v), ops.intArg(width)));
  },
  count: (_e, v) => ops.len(v),
  d: doDefault,
  default: doDefault,
  dictsort: doDictsort,
  e: (_e, v) => escapeValue(v),
  escape: (_e, v) => escapeValue(v),
  filesizeformat: doFilesizeformat,
  first: doFirst,
  float: (_e, v, c) => {
    const [dflt] = bind("do_float", c, [["default", FLOAT_ZERO]]);
    try {
      return mkFloat(pyFloat(v));
    } catch (err) {
      if (isPyError(err, "ValueError", "TypeError")) return dflt === FLOAT_ZERO ? new PyFloat(0) : dflt;
      throw err;
    }
  },
  forceescape: (_e, v) => new Markup(ops.escapeHtml(str(v))),
  format: (_e, v, c) => {
    if (c.args.length && c.kwargs.size)
      throw pyError("FilterArgumentError", "can't handle positional and keyword arguments at the same time");
    let args: unknown = tuple(c.args);
    if (c.kwargs.size) {
      const d = new PyDict();
      for (const [k, x] of c.kwargs) d.set(k, x);
      args = d;
    }
    // soft_str(value) % args: a Markup value formats (and escapes) as Markup.
    const r = printfFormat(softStr(v), args, v instanceof Markup);
    return v instanceof Markup ? new Markup(r) : r;
  },
  groupby: doGroupby,
  indent: doIndent,
  int: (_e, v, c) => {
    const [dflt, base] = bind("do_int", c, [
      ["default", 0],
      ["base", 10],
    ]);
    try {
      if (ops.isStr(v)) return pyInt(v, ops.intArg(base));
      return pyInt(v, null);
    } catch (err) {
      if (!isPyError(err, "ValueError", "TypeError")) throw err;
      try {
        return pyInt(mkFloat(pyFloat(v)), null);
      } catch (err2) {
        if (isPyError(err2, "ValueError", "TypeError", "OverflowError")) return dflt;
        throw err2;
      }
    }
  },
  items: doItems,
  join: doJoin,
  last: doLast,
  length: (_e, v) => ops.len(v),
  list: (e, v) => listOf(v, e.budget),
  lower: (_e, v) => likeValue(v, softStr(v).toLowerCase()),
  map: doMap,
  max: (e, v, c) => minMax(e, v, c, true),
  min: (e, v, c) => minMax(e, v, c, false),
  pprint: (_e, v) => pformat(v),
  random: (e, v) => {
    const items = listOf(v, e.budget);
    if (!items.length) return new Undefined("No random item, sequence was empty.");
    return items[Math.floor(Math.random() * items.length)];
  },
  reject: (e, v, c) => selectOrReject(e, v, c, false, false, "select_or_reject"),
  rejectattr: (e, v, c) => selectOrReject(e, v, c, false, true, "select_or_reject"),
  replace: (e, v, c) => {
    const [old, rep, count] = bind("do_replace", c, [
      ["old", NO_DEFAULT],
      ["new", NO_DEFAULT],
      ["count", null],
    ]);
    const n = count === null ? -1 : ops.intArg(count);
    let r: string;
    let markup = false;
    if (e.autoescape()) {
      // A Markup old (or a Markup new on a plain value) escapes the value first; Markup.replace
      // (markupsafe 3) then escapes a plain new, never old.
      markup = old instanceof Markup || (rep instanceof Markup && !(v instanceof Markup)) || v instanceof Markup;
      const esc = (x: unknown): string => (markup && !(x instanceof Markup) ? ops.escapeHtml(str(x)) : str(x));
      r = pyReplace(esc(v), str(old), esc(rep), n);
    } else {
      // Without autoescape Jinja replaces on str(s): a Markup value comes back as a plain str.
      r = pyReplace(softStr(v), str(old), str(rep), n);
    }
    e.budget.checkString(r.length);
    return markup ? new Markup(r) : r;
  },
  reverse: doReverse,
  round: doRound,
  safe: (_e, v) => (v instanceof Markup ? v : new Markup(str(v))),
  select: (e, v, c) => selectOrReject(e, v, c, true, false, "select_or_reject"),
  selectattr: (e, v, c) => selectOrReject(e, v, c, true, true, "select_or_reject"),
  slice: doSlice,
  sort: (e, v, c) => {
    const [reverse, caseSensitive, attribute] = bind("do_sort", c, [
      ["reverse", false],
      ["case_sensitive", false],
      ["attribute", null],
    ]);
    ops.intArg(reverse); // sorted(reverse=...) takes an int
    const key = multiAttrGetter(attribute, ops.truthy(caseSensitive) ? undefined : ignoreCase);
    return sorted(listOf(v, e.budget), key, ops.truthy(reverse), e.budget);
  },
  string: (_e, v) => (v instanceof Markup ? v : str(v)),
  striptags: doStriptags,
  sum: doSum,
  title: doTitle,
  tojson: (_e, v, c) => {
    const [indent] = bind("do_tojson", c, [["indent", null]]);
    return new Markup(toJson(v, indent));
  },
  trim: (_e, v, c) => {
    const [chars] = bind("do_trim", c, [["chars", null]]);
    if (chars !== null && !ops.isStr(chars)) throw pyError("TypeError", `strip arg must be None or str`);
    return likeValue(v, pyStrip(softStr(v), chars === null ? null : new Set(ops.chars(str(chars))), true, true));
  },
  truncate: doTruncate,
  unique: doUnique,
  upper: (_e, v) => likeValue(v, softStr(v).toUpperCase()),
  urlencode: doUrlencode,
  urlize: (e, v, c) => {
    const [limit, nofollow, target, rel, extraSchemes] = bind("do_urlize", c, [
      ["trim_url_limit", null],
      ["nofollow", false],
      ["target", null],
      ["rel", null],
      ["extra_schemes", null],
    ]);
    // Jinja's default policies: rel "noopener" is always added, no target, no extra schemes.
    // set((rel or "").split()): a truthy rel must be a str.
    if (ops.truthy(rel) && !ops.isStr(rel)) throw pyError("AttributeError", `'${typeName(rel)}' object has no attribute 'split'`);
    const relParts = new Set(ops.truthy(rel) ? str(rel).split(/\s+/).filter(Boolean) : []);
    if (ops.truthy(nofollow)) relParts.add("nofollow");
    relParts.add("noopener");
    const schemes =
      extraSchemes === null
        ? null
        : [...ops.iterate(extraSchemes)].map((scheme) => {
            if (!ops.isStr(scheme) || !URI_SCHEME_RE.test(str(scheme)))
              throw pyError("FilterArgumentError", `${repr(scheme)} is not a valid URI scheme prefix.`);
            return str(scheme);
          });
    const rv = urlize(escapeValue(v).s, {
      trimUrlLimit: limit,
      rel: escapeValue([...relParts].sort().join(" ")).s,
      target: ops.truthy(target) ? escapeValue(target).s : null,
      extraSchemes: schemes,
    });
    return e.autoescape() ? new Markup(rv) : rv; // Markup only under autoescape, as Jinja does
  },
  wordcount: (_e, v) => (softStr(v).match(/[\p{L}\p{N}_]+/gu) ?? []).length,
  wordwrap: (_e, v, c) => {
    const [width, breakLong, wrapstring, breakHyphens] = bind("do_wordwrap", c, [
      ["width", 79],
      ["break_long_words", true],
      ["wrapstring", null],
      ["break_on_hyphens", true],
    ]);
    // wrapstring.join is looked up before s.splitlines() runs.
    if (wrapstring instanceof Undefined) wrapstring.fail();
    if (wrapstring !== null && !ops.isStr(wrapstring))
      throw pyError("AttributeError", `'${typeName(wrapstring)}' object has no attribute 'join'`);
    if (v instanceof Undefined) v.fail();
    if (!ops.isStr(v)) throw pyError("AttributeError", `'${typeName(v)}' object has no attribute 'splitlines'`);
    return wordwrap(softStr(v), width, ops.truthy(breakLong), wrapstring === null ? "\n" : str(wrapstring), ops.truthy(breakHyphens));
  },
  xmlattr: doXmlattr,
};

/** do_float's default 0.0, told apart from an explicit int 0. */
const FLOAT_ZERO = Symbol("0.0");

function escapeValue(v: unknown): Markup {
  if (v instanceof Markup) return v;
  return new Markup(ops.escapeHtml(str(v)));
}

function isPyError(err: unknown, ...classes: string[]): boolean {
  return err instanceof Error && "pythonClass" in err && classes.includes((err as { pythonClass: string }).pythonClass);
}

export function hasFilter(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(FILTERS, name);
}

/** Filters that take the value only: extra arguments are a TypeError, as Python's call would raise. */
const NULLARY = new Set([
  "abs",
  "capitalize",
  "count",
  "e",
  "escape",
  "first",
  "forceescape",
  "items",
  "last",
  "length",
  "list",
  "lower",
  "pprint",
  "reverse",
  "safe",
  "string",
  "striptags",
  "title",
  "upper",
  "urlencode",
  "wordcount",
]);

export function callFilter(name: string, value: unknown, call: CallArgs, env: FilterEnv): unknown {
  if ((call.args.length || call.kwargs.size) && NULLARY.has(name)) bind(name, call, []);
  return FILTERS[name](env, value, call);
}
