// Python semantics of operators, truthiness, equality, ordering, membership, iteration and len().

import { compareBigFloat, floatFloorDiv, floatPow, intTrueDiv } from "./floatmath.js";
import { pyError } from "./errors.js";
import type { Budget } from "./budget.js";
import { printfFormat } from "./printf.js";
import { str } from "./printing.js";
import {
  DictView,
  MISSING,
  Markup,
  PyFloat,
  PyIter,
  PyObject,
  PyRange,
  Undefined,
  dictEntries,
  dictGet,
  dictKeys,
  dictSize,
  hashKey,
  isDict,
  isTuple,
  mkFloat,
  newList,
  tuple,
  typeName,
} from "./values.js";
import { escapeHtml } from "./html.js";

export function isInt(v: unknown): v is number | bigint {
  return (typeof v === "number" && Number.isInteger(v)) || typeof v === "bigint";
}
export function isFloat(v: unknown): boolean {
  return v instanceof PyFloat || (typeof v === "number" && !Number.isInteger(v));
}
/** int, float or bool (bool is an int subclass in Python). */
export function isNumeric(v: unknown): boolean {
  return typeof v === "boolean" || typeof v === "number" || typeof v === "bigint" || v instanceof PyFloat;
}
export function isStr(v: unknown): v is string | Markup {
  return typeof v === "string" || v instanceof Markup;
}
/** Python's operator.index(): an int (or bool) argument as a number, else TypeError. */
export function intArg(v: unknown): number {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (!isInt(v)) throw pyError("TypeError", `'${typeName(v)}' object cannot be interpreted as an integer`);
  return toNumber(v);
}

/** An int argument Python converts to a C integer (Py_ssize_t, or int for 32 bits): OverflowError beyond it. */
export function cIntArg(v: unknown, bits: 32 | 64 = 64): number {
  if (typeof v === "bigint" && (v >= 1n << BigInt(bits - 1) || v < -(1n << BigInt(bits - 1)))) {
    throw pyError("OverflowError", `Python int too large to convert to C ${bits === 64 ? "ssize_t" : "int"}`);
  }
  const n = intArg(v);
  if (bits === 32 && (n >= 2 ** 31 || n < -(2 ** 31))) throw pyError("OverflowError", "Python int too large to convert to C int");
  return n;
}

export function toNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "bigint") return Number(v);
  if (v instanceof PyFloat) return v.v;
  return NaN;
}
/** Normalises an integer result: a safe number when it fits, a bigint otherwise. */
export function mkInt(v: number | bigint): number | bigint {
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  return v;
}
function toBig(v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "boolean") return v ? 1n : 0n;
  return BigInt(v as number);
}
function isIntLike(v: unknown): boolean {
  return typeof v === "boolean" || isInt(v);
}

export function truthy(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  switch (typeof v) {
    case "boolean":
      return v;
    case "number":
      return v !== 0;
    case "bigint":
      return v !== 0n;
    case "string":
      return v.length > 0;
  }
  if (v instanceof Undefined) return false;
  if (v instanceof PyFloat) return v.v !== 0;
  if (v instanceof Markup) return v.s.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isDict(v)) return dictSize(v) > 0;
  if (v instanceof PyRange) return v.length > 0;
  if (v instanceof DictView) return dictSize(v.dict) > 0;
  return true;
}

export function eq(a: unknown, b: unknown): boolean {
  if (a === b) return !(typeof a === "number" && Number.isNaN(a));
  if (isNumeric(a) && isNumeric(b)) {
    if (typeof a === "bigint" || typeof b === "bigint") {
      if (isIntLike(a) && isIntLike(b)) return toBig(a) === toBig(b);
      return typeof a === "bigint" ? compareBigFloat(a, toNumber(b)) === 0 : compareBigFloat(b as bigint, toNumber(a)) === 0;
    }
    return toNumber(a) === toNumber(b);
  }
  if (isStr(a) && isStr(b)) return str(a) === str(b);
  if (a instanceof Undefined || b instanceof Undefined) return a instanceof Undefined && b instanceof Undefined;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (isTuple(a) !== isTuple(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!eq(a[i], b[i])) return false;
    return true;
  }
  if (isDict(a) && isDict(b)) {
    if (dictSize(a) !== dictSize(b)) return false;
    for (const k of dictKeys(a)) {
      const other = dictGet(b, k);
      if (other === MISSING || !eq(dictGet(a, k), other)) return false;
    }
    return true;
  }
  if (a instanceof PyRange && b instanceof PyRange) {
    const n = a.length;
    if (n !== b.length) return false;
    return n === 0 || (a.start === b.start && (n === 1 || a.step === b.step));
  }
  if (a instanceof DictView && b instanceof DictView && a.kind !== "values" && a.kind === b.kind) {
    const x = a.items();
    const y = b.items();
    return x.length === y.length && x.every((item) => y.some((o) => eq(item, o)));
  }
  return false;
}

const OP_SYMBOL: Record<string, string> = { lt: "<", lteq: "<=", gt: ">", gteq: ">=" };

/** Ordering comparison (<, <=, >, >=) with Python's rules and TypeErrors. */
export function order(op: "lt" | "lteq" | "gt" | "gteq", a: unknown, b: unknown): boolean {
  const c = cmp(a, b, OP_SYMBOL[op]);
  if (Number.isNaN(c)) return false;
  switch (op) {
    case "lt":
      return c < 0;
    case "lteq":
      return c <= 0;
    case "gt":
      return c > 0;
    case "gteq":
      return c >= 0;
  }
}

/** Three-way comparison for sorting and ordering; NaN when unordered (float nan). */
export function cmp(a: unknown, b: unknown, symbol = "<"): number {
  if (a instanceof Undefined) a.fail();
  if (b instanceof Undefined) b.fail();
  if (isNumeric(a) && isNumeric(b)) {
    if ((typeof a === "bigint" || typeof b === "bigint") && isIntLike(a) && isIntLike(b)) {
      const x = toBig(a);
      const y = toBig(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    if (typeof a === "bigint") return compareBigFloat(a, toNumber(b));
    if (typeof b === "bigint") return -compareBigFloat(b, toNumber(a));
    const x = toNumber(a);
    const y = toNumber(b);
    if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (isStr(a) && isStr(b)) return compareStrings(str(a), str(b));
  if (Array.isArray(a) && Array.isArray(b) && isTuple(a) === isTuple(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (!eq(a[i], b[i])) return cmp(a[i], b[i], symbol);
    }
    return a.length - b.length;
  }
  throw pyError("TypeError", `'${symbol}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

/** Compares by code point, as Python does (JavaScript's < compares UTF-16 units). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if ((x >= 0xd800 && x <= 0xdfff) || (y >= 0xd800 && y <= 0xdfff)) {
        return (a.codePointAt(i) ?? 0) - (b.codePointAt(i) ?? 0);
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

export function contains(container: unknown, item: unknown): boolean {
  if (isStr(container)) {
    if (!isStr(item)) throw pyError("TypeError", `'in <string>' requires string as left operand, not ${typeName(item)}`);
    return str(container).includes(str(item));
  }
  if (Array.isArray(container)) return container.some((x) => x === item || eq(x, item));
  if (isDict(container)) {
    hashKey(item);
    return dictGet(container, item) !== MISSING;
  }
  if (container instanceof Undefined) return false;
  if (container instanceof PyRange) {
    if (!isNumeric(item)) return false;
    const x = toNumber(item);
    const { start, step } = container;
    const n = container.length;
    if (n === 0 || (x - start) % step !== 0) return false;
    const i = (x - start) / step;
    return i >= 0 && i < n;
  }
  if (container instanceof DictView) return container.items().some((x) => eq(x, item));
  if (container instanceof PyIter) {
    for (let r = container.it.next(); !r.done; r = container.it.next()) if (eq(r.value, item)) return true;
    return false;
  }
  throw pyError("TypeError", `argument of type '${typeName(container)}' is not iterable`);
}

/** Splits a str into Python characters (code points). */
export function chars(s: string): string[] {
  return /[\ud800-\udfff]/.test(s) ? Array.from(s) : s.split("");
}

export function isIterable(v: unknown): boolean {
  return (
    isStr(v) ||
    Array.isArray(v) ||
    isDict(v) ||
    v instanceof Undefined ||
    v instanceof PyRange ||
    v instanceof DictView ||
    v instanceof PyIter ||
    (v instanceof PyObject && v.iterate() !== null)
  );
}

/** Python iter(): the items a for-loop or a filter sees. */
export function iterate(v: unknown): Iterable<unknown> {
  if (Array.isArray(v)) return v;
  if (typeof v === "string") return chars(v);
  if (v instanceof Markup) return chars(v.s);
  if (isDict(v)) return dictKeys(v);
  if (v instanceof Undefined) return [];
  if (v instanceof PyRange) return rangeItems(v);
  if (v instanceof DictView) return v.items();
  if (v instanceof PyIter) return { [Symbol.iterator]: () => v.it };
  const items = v instanceof PyObject ? v.iterate() : null;
  if (items) return items;
  throw pyError("TypeError", `'${typeName(v)}' object is not iterable`);
}

function* rangeItems(r: PyRange): Generator<number> {
  const n = r.length;
  for (let i = 0; i < n; i++) yield r.at(i);
}

/** list(v): a fresh array of the items. */
export function toList(v: unknown, budget?: Budget): unknown[] {
  const out: unknown[] = [];
  for (const x of iterate(v)) {
    budget?.work(1);
    out.push(x);
  }
  return newList(out);
}

export function len(v: unknown): number {
  if (typeof v === "string") return /[\ud800-\udfff]/.test(v) ? Array.from(v).length : v.length;
  if (v instanceof Markup) return len(v.s);
  if (Array.isArray(v)) return v.length;
  if (isDict(v)) return dictSize(v);
  if (v instanceof Undefined) return 0;
  if (v instanceof PyRange) return v.length;
  if (v instanceof DictView) return dictSize(v.dict);
  throw pyError("TypeError", `object of type '${typeName(v)}' has no len()`);
}

// ---- arithmetic ----

function unsupported(sym: string, a: unknown, b: unknown): never {
  throw pyError("TypeError", `unsupported operand type(s) for ${sym}: '${typeName(a)}' and '${typeName(b)}'`);
}

function checkUndefined(a: unknown, b: unknown): void {
  if (a instanceof Undefined) a.fail();
  if (b instanceof Undefined) b.fail();
}

function intOp(a: unknown, b: unknown, f: (x: number, y: number) => number, g: (x: bigint, y: bigint) => bigint): number | bigint {
  if (typeof a !== "bigint" && typeof b !== "bigint") {
    const r = f(toNumber(a), toNumber(b));
    if (Number.isSafeInteger(r)) return r;
  }
  return mkInt(g(toBig(a), toBig(b)));
}

export function add(a: unknown, b: unknown, budget: Budget): unknown {
  checkUndefined(a, b);
  if (isNumeric(a) && isNumeric(b)) {
    if (isIntLike(a) && isIntLike(b))
      return intOp(
        a,
        b,
        (x, y) => x + y,
        (x, y) => x + y,
      );
    return mkFloat(toNumber(a) + toNumber(b));
  }
  if (a instanceof Markup || b instanceof Markup) {
    if (isStr(a) && isStr(b)) {
      const r = escapeIfPlain(a) + escapeIfPlain(b);
      budget.checkString(r.length);
      return new Markup(r);
    }
  }
  if (typeof a === "string") {
    if (typeof b !== "string") throw pyError("TypeError", `can only concatenate str (not "${typeName(b)}") to str`);
    budget.checkString(a.length + b.length);
    return a + b;
  }
  if (Array.isArray(a) && Array.isArray(b) && isTuple(a) === isTuple(b)) {
    budget.checkItems(a.length + b.length);
    budget.work(a.length + b.length);
    const r = [...a, ...b];
    return isTuple(a) ? tuple(r) : newList(r);
  }
  if (Array.isArray(a)) {
    const kind = isTuple(a) ? "tuple" : "list";
    throw pyError("TypeError", `can only concatenate ${kind} (not "${typeName(b)}") to ${kind}`);
  }
  return unsupported("+", a, b);
}

// escapeHtml lives in html.ts (printf.ts needs it, and ops.ts imports printf.ts); re-exported
// here for the callers that reach it as `ops.escapeHtml`.
export { escapeHtml };
function escapeIfPlain(v: string | Markup): string {
  return v instanceof Markup ? v.s : escapeHtml(v);
}

export function sub(a: unknown, b: unknown): unknown {
  checkUndefined(a, b);
  if (isNumeric(a) && isNumeric(b)) {
    if (isIntLike(a) && isIntLike(b))
      return intOp(
        a,
        b,
        (x, y) => x - y,
        (x, y) => x - y,
      );
    return mkFloat(toNumber(a) - toNumber(b));
  }
  return unsupported("-", a, b);
}

export function mul(a: unknown, b: unknown, budget: Budget): unknown {
  checkUndefined(a, b);
  if (isNumeric(a) && isNumeric(b)) {
    if (isIntLike(a) && isIntLike(b))
      return intOp(
        a,
        b,
        (x, y) => x * y,
        (x, y) => x * y,
      );
    return mkFloat(toNumber(a) * toNumber(b));
  }
  if (isIntLike(a) && !isNumeric(b)) return mul(b, a, budget);
  if (isIntLike(b)) {
    if ((isStr(a) || Array.isArray(a)) && typeof b === "bigint" && (b >= 1n << 63n || b < -(1n << 63n))) {
      throw pyError("OverflowError", "cannot fit 'int' into an index-sized integer");
    }
    const n = Math.max(0, toNumber(b));
    if (isStr(a)) {
      const s = str(a);
      budget.checkString(s.length * n);
      const r = n === 0 ? "" : s.repeat(n);
      return a instanceof Markup ? new Markup(r) : r;
    }
    if (Array.isArray(a)) {
      budget.checkItems(a.length * n);
      budget.work(a.length * n);
      const r: unknown[] = [];
      for (let i = 0; i < n; i++) r.push(...a);
      return isTuple(a) ? tuple(r) : newList(r);
    }
  }
  if (isStr(a) || Array.isArray(a)) {
    if (isNumeric(b)) throw pyError("TypeError", `can't multiply sequence by non-int of type '${typeName(b)}'`);
    throw pyError("TypeError", `can't multiply sequence by non-int of type '${typeName(b)}'`);
  }
  return unsupported("*", a, b);
}

export function div(a: unknown, b: unknown): unknown {
  checkUndefined(a, b);
  if (isNumeric(a) && isNumeric(b)) {
    const y = toNumber(b);
    if (y === 0) throw pyError("ZeroDivisionError", isIntLike(a) && isIntLike(b) ? "division by zero" : "float division by zero");
    if ((typeof a === "bigint" || typeof b === "bigint") && isIntLike(a) && isIntLike(b)) return mkFloat(intTrueDiv(toBig(a), toBig(b)));
    return mkFloat(toNumber(a) / y);
  }
  return unsupported("/", a, b);
}

export function floordiv(a: unknown, b: unknown): unknown {
  checkUndefined(a, b);
  if (isNumeric(a) && isNumeric(b)) {
    if (isIntLike(a) && isIntLike(b)) {
      if (toNumber(b) === 0) throw pyError("ZeroDivisionError", "integer division or modulo by zero");
      return intOp(
        a,
        b,
        (x, y) => Math.floor(x / y),
        (x, y) => {
          const q = x / y;
          return x % y !== 0n && x < 0n !== y < 0n ? q - 1n : q;
        },
      );
    }
    const x = toNumber(a);
    const y = toNumber(b);
    if (y === 0) throw pyError("ZeroDivisionError", "float floor division by zero");
    return new PyFloat(floatFloorDiv(x, y));
  }
  return unsupported("//", a, b);
}

export function mod(a: unknown, b: unknown, budget: Budget): unknown {
  if (isStr(a)) {
    // str % anything is formatting (an Undefined argument simply prints as "").
    const r = printfFormat(str(a), b, a instanceof Markup); // Markup % escapes its arguments
    budget.checkString(r.length);
    return a instanceof Markup ? new Markup(r) : r;
  }
  checkUndefined(a, b);
  if (isNumeric(a) && isNumeric(b)) {
    if (isIntLike(a) && isIntLike(b)) {
      if (toNumber(b) === 0) throw pyError("ZeroDivisionError", "integer division or modulo by zero");
      return intOp(
        a,
        b,
        (x, y) => ((x % y) + y) % y,
        (x, y) => ((x % y) + y) % y,
      );
    }
    const x = toNumber(a);
    const y = toNumber(b);
    if (y === 0) throw pyError("ZeroDivisionError", "float modulo");
    let r = x % y;
    if (r !== 0 && r < 0 !== y < 0) r += y;
    else if (r === 0) r = y < 0 ? -0 : 0;
    return mkFloat(r);
  }
  return unsupported("%", a, b);
}

export function pow(a: unknown, b: unknown, budget: Budget): unknown {
  checkUndefined(a, b);
  if (isNumeric(a) && isNumeric(b)) {
    if (isIntLike(a) && isIntLike(b) && toNumber(b) >= 0) {
      const base = toBig(a);
      const exp = toBig(b);
      const bits = Math.abs(Number(base)) <= 1 ? 1 : Number(exp) * Math.log2(Math.abs(Number(base)));
      budget.checkIntBits(bits);
      const r = Math.pow(toNumber(a), toNumber(b));
      if (Number.isSafeInteger(r)) return r;
      return mkInt(base ** exp);
    }
    const x = toNumber(a);
    const y = toNumber(b);
    if (x === 0 && y < 0) throw pyError("ZeroDivisionError", "0.0 cannot be raised to a negative power");
    const r = floatPow(x, y);
    if (Number.isNaN(r) && !Number.isNaN(x) && !Number.isNaN(y)) {
      throw pyError("ValueError", "math domain error");
    }
    if (!Number.isFinite(r) && Number.isFinite(x) && Number.isFinite(y))
      throw pyError("OverflowError", "(34, 'Numerical result out of range')");
    return mkFloat(r);
  }
  return unsupported("** or pow()", a, b);
}

export function neg(a: unknown): unknown {
  if (a instanceof Undefined) a.fail();
  if (isIntLike(a)) return typeof a === "bigint" ? mkInt(-a) : -toNumber(a) || 0;
  if (isFloat(a)) return mkFloat(-toNumber(a));
  throw pyError("TypeError", `bad operand type for unary -: '${typeName(a)}'`);
}

export function pos(a: unknown): unknown {
  if (a instanceof Undefined) a.fail();
  if (isIntLike(a)) return typeof a === "bigint" ? a : toNumber(a);
  if (isFloat(a)) return a;
  throw pyError("TypeError", `bad operand type for unary +: '${typeName(a)}'`);
}

/**
 * `dict(src, **kw)` and `d.update(src, **kw)`: `src` is a mapping or an iterable of key/value
 * pairs, then the keywords win. Python probes hasattr(src, "keys"), which an Undefined answers by
 * raising (its __getattr__ is no AttributeError).
 */
export function updateDict(d: { set(k: unknown, v: unknown): void }, args: unknown[], kwargs: Map<string, unknown>, name: string): void {
  if (args.length > 1) throw pyError("TypeError", `${name} expected at most 1 argument, got ${args.length}`);
  if (args.length) {
    const src = args[0];
    if (src instanceof Undefined) src.fail();
    if (isDict(src)) for (const [k, v] of dictEntries(src)) d.set(k, v);
    else {
      let i = 0;
      for (const item of iterate(src)) {
        const pair = [...iterate(item)];
        if (pair.length !== 2)
          throw pyError("ValueError", `dictionary update sequence element #${i} has length ${pair.length}; 2 is required`);
        d.set(pair[0], pair[1]);
        i++;
      }
    }
  }
  for (const [k, v] of kwargs) d.set(k, v);
}
