// Sandboxed attribute and item lookup (Jinja's SandboxedEnvironment.getattr / getitem).
//
// Only Python-visible members exist: the safe methods of str, dict and list, the attributes of the
// engine's own objects, and dict keys. Nothing of the JavaScript object model (constructor, __proto__,
// prototype methods, getters) is ever reachable: plain objects are read through own keys only.

import { NO_DEFAULT, bind, noKwargs } from "./callargs.js";
import { currentBudget } from "./current.js";
import { TemplateError, pyError } from "./errors.js";
import { defineKey } from "./journal.js";
import { floatHex, floatRatio } from "./floatmath.js";
import { cmp, chars, eq, intArg, isFloat, isInt, isStr, iterate, mkInt, toNumber, updateDict } from "./ops.js";
import { repr, str } from "./printing.js";
import { UNSAFE_ATTRS } from "./pyattrs.js";
import { strMethod } from "./strmethods.js";
import {
  DictView,
  GROUP_TUPLES,
  MISSING,
  Markup,
  PyCallable,
  PyDict,
  PyFloat,
  PyIter,
  PyObject,
  PyRange,
  Undefined,
  dictEntries,
  dictGet,
  hashKey,
  isDict,
  isTuple,
  newList,
  tuple,
  typeName,
  type CallArgs,
} from "./values.js";

const hasOwn = Object.prototype.hasOwnProperty;

/** `undef|attr(name)`: Jinja's do_attr looks the name up statically on the Undefined object. */
export function undefinedAttrFilter(u: Undefined, name: string): Undefined {
  if (UNSAFE_ATTRS.Undefined.has(name)) return unsafeUndefined(u, name);
  // Undefined.__getattr__ answers AttributeError for dunder-looking names, so hasattr() is False
  // and attr() returns a plain Undefined; any other name makes the Undefined raise its own error.
  if (name.startsWith("__") && name.endsWith("__")) return new Undefined(null, u, name);
  u.fail();
}

/** The Python kind of a value, as keyed in UNSAFE_ATTRS (null: an engine value with no entry there). */
function pyKind(obj: unknown): string | null {
  if (obj === null) return "NoneType";
  switch (typeof obj) {
    case "boolean":
      return "bool";
    case "string":
      return "str";
    case "number":
    case "bigint":
      return isInt(obj) ? "int" : "float";
  }
  if (obj instanceof PyFloat) return "float";
  if (obj instanceof Markup) return "Markup";
  if (Array.isArray(obj)) return isTuple(obj) ? "tuple" : "list";
  if (isDict(obj)) return "dict";
  if (obj instanceof Undefined) return "Undefined";
  if (obj instanceof PyRange) return "range";
  if (obj instanceof DictView) return `dict_${obj.kind}`;
  if (obj instanceof PyIter) return obj.typeName;
  if (obj instanceof PyObject) return obj.pyType;
  if (obj instanceof PyCallable) {
    if (obj.isClass) return obj.name === "dict" ? "type:dict" : `type:${obj.name[0].toUpperCase()}${obj.name.slice(1)}`;
    if (obj.attrs) return "Macro";
    const r = obj.reprText;
    if (r.startsWith("<function")) return "function";
    if (r.startsWith("<built-in")) return "builtin_function_or_method";
    if (r.startsWith("<bound method")) return "method";
    if (r.startsWith("<jinja2.utils.Joiner")) return "Joiner";
  }
  return null;
}

/** True when a Python object of this value would have attribute `name` that the sandbox refuses. */
function hasUnsafeAttr(obj: unknown, name: string): boolean {
  if (name.charCodeAt(0) !== 0x5f && name !== "mro" && name !== "gi_code" && name !== "gi_frame") return false;
  // Anything without an entry has at least object's members (NoneType adds only __bool__).
  const attrs = UNSAFE_ATTRS[pyKind(obj) ?? "NoneType"] ?? UNSAFE_ATTRS.NoneType;
  return attrs !== undefined && attrs.has(name);
}

function unsafeUndefined(obj: unknown, name: string): Undefined {
  return new Undefined(`access to attribute ${repr(name)} of ${repr(typeName(obj))} object is unsafe.`, obj, name, "SecurityError");
}

/** `obj.name` in a template. */
export function getAttr(obj: unknown, name: string): unknown {
  // Fast path for the common case, a key of context data (a parsed JSON object): no dict method
  // of that name and no name the sandbox refuses, so Python's getattr falls through to the item.
  if (obj !== null && typeof obj === "object" && !DICT_METHODS.has(name)) {
    const p = Object.getPrototypeOf(obj);
    if ((p === Object.prototype || p === null) && (name.charCodeAt(0) !== 0x5f || !UNSAFE_ATTRS.dict.has(name))) {
      return hasOwn.call(obj, name) ? (obj as Record<string, unknown>)[name] : new Undefined(null, obj, name);
    }
  }
  if (obj instanceof Undefined) {
    // Python finds the Undefined object's own members (__class__, __add__, _undefined_hint ...).
    if (UNSAFE_ATTRS.Undefined.has(name)) return unsafeUndefined(obj, name);
    obj.fail();
  }
  if (hasUnsafeAttr(obj, name)) return unsafeUndefined(obj, name);
  const attr = pyAttr(obj, name);
  if (attr !== MISSING) return attr;
  if (isDict(obj)) {
    const v = dictGet(obj, name);
    if (v !== MISSING) return v;
  } else if (obj instanceof PyObject) {
    const v = obj.getItem(name);
    if (v !== MISSING) return v;
  }
  return new Undefined(null, obj, name);
}

/** `obj|attr(name)` on an object with item access: attributes only (do_attr never reads items). */
export function getAttrOnly(obj: unknown, name: string): unknown {
  if (hasUnsafeAttr(obj, name)) return unsafeUndefined(obj, name);
  const attr = pyAttr(obj, name);
  return attr !== MISSING ? attr : new Undefined(null, obj, name);
}

/** `obj[key]` in a template. */
export function getItem(obj: unknown, key: unknown): unknown {
  if (obj instanceof Undefined) obj.fail();
  const v = lookupItem(obj, key);
  if (v !== MISSING) return v;
  if (isStr(key)) {
    const name = str(key);
    if (hasUnsafeAttr(obj, name)) return unsafeUndefined(obj, name);
    const attr = pyAttr(obj, name);
    if (attr !== MISSING) return attr;
  }
  return new Undefined(null, obj, key instanceof Markup ? key.s : key);
}

/** pyItem as Jinja's getitem sees it: a TypeError (unhashable key) is a failed lookup too. */
function lookupItem(obj: unknown, key: unknown): unknown {
  try {
    return pyItem(obj, key);
  } catch (e) {
    if (e instanceof TemplateError && e.pythonClass === "TypeError") return MISSING;
    throw e;
  }
}

/** `obj[a:b:c]`: Python's own subscript (Jinja does not route slices through the sandbox). */
export function sliceValue(obj: unknown, key: SliceKey): unknown {
  if (obj instanceof Undefined) obj.fail();
  if (isDict(obj)) throw pyError("TypeError", "unhashable type: 'slice'");
  if (!isStr(obj) && !Array.isArray(obj) && !(obj instanceof PyRange)) {
    throw pyError("TypeError", `'${typeName(obj)}' object is not subscriptable`);
  }
  const v = pyItem(obj, key);
  if (v === MISSING) throw pyError("TypeError", "slice indices must be integers or None or have an __index__ method");
  return v;
}

/** A slice in a subscript: `x[a:b:c]`. */
export class SliceKey {
  constructor(
    readonly start: unknown,
    readonly stop: unknown,
    readonly step: unknown,
  ) {}
}

function indexOf(key: unknown): number | null {
  if (typeof key === "boolean") return key ? 1 : 0;
  if (isInt(key)) return toNumber(key);
  return null;
}

/** obj[key] with Python semantics; MISSING where Python raises TypeError/LookupError. */
function pyItem(obj: unknown, key: unknown): unknown {
  if (isDict(obj)) return dictGet(obj, key);
  if (obj instanceof PyObject) return obj.getItem(key);
  const seq = isStr(obj) ? chars(str(obj)) : Array.isArray(obj) ? obj : obj instanceof PyRange ? null : undefined;
  if (seq === undefined && !(obj instanceof PyRange)) return MISSING;
  const n = seq ? seq.length : (obj as PyRange).length;
  if (key instanceof SliceKey) {
    const idx = sliceIndices(key, n);
    if (!idx) return MISSING;
    const [start, stop, step] = idx;
    const picked: unknown[] = [];
    for (let i = start; step > 0 ? i < stop : i > stop; i += step) picked.push(seq ? seq[i] : (obj as PyRange).at(i));
    if (isStr(obj)) {
      const s = picked.join("");
      return obj instanceof Markup ? new Markup(s) : s;
    }
    if (obj instanceof PyRange) {
      // CPython's compute_slice: both ends map through the slice indices (range(10)[::3] is range(0, 10, 3)).
      return new PyRange(obj.at(start), obj.at(stop), obj.step * step);
    }
    return isTuple(obj) ? tuple(picked) : newList(picked);
  }
  let i = indexOf(key);
  if (i === null) return MISSING;
  if (i < 0) i += n;
  if (i < 0 || i >= n) return MISSING;
  if (seq) return obj instanceof Markup ? new Markup(seq[i] as string) : seq[i];
  return (obj as PyRange).at(i);
}

/** Python's slice.indices(); null when an index is not an integer (TypeError). */
export function sliceIndices(key: SliceKey, n: number): [number, number, number] | null {
  // Undefined has no __index__: `s[:missing]` is a TypeError, as in Python.
  const conv = (v: unknown): number | null | undefined => (v === null ? undefined : indexOf(v));
  const step = conv(key.step) ?? 1;
  const start0 = conv(key.start);
  const stop0 = conv(key.stop);
  if (step === null || start0 === null || stop0 === null) return null;
  if (step === 0) throw pyError("ValueError", "slice step cannot be zero");
  const clamp = (v: number | undefined, dflt: number, lo: number, hi: number): number => {
    if (v === undefined) return dflt;
    let x = v < 0 ? v + n : v;
    if (x < lo) x = lo;
    if (x > hi) x = hi;
    return x;
  };
  if (step > 0) return [clamp(start0, 0, 0, n), clamp(stop0, n, 0, n), step];
  return [clamp(start0, n - 1, -1, n - 1), clamp(stop0, -1, -1, n - 1), step];
}

/** Python attribute of a value (bound method or data attribute), or MISSING. */
function pyAttr(obj: unknown, name: string): unknown {
  if (name.startsWith("_")) return MISSING;
  if (isStr(obj)) return strMethod(obj, name);
  if (isDict(obj)) return dictMethod(obj, name);
  if (Array.isArray(obj)) {
    const group = GROUP_TUPLES.get(obj);
    if (group && (name === "grouper" || name === "list")) return group[name];
    return listMethod(obj, name);
  }
  if (obj instanceof PyObject) return obj.getAttr(name);
  if (obj instanceof PyCallable) return obj.attrs?.has(name) ? obj.attrs.get(name) : MISSING;
  if (obj instanceof PyRange) {
    if (name === "start" || name === "stop" || name === "step") return obj[name];
    if (name === "count" || name === "index") return method("range", name, (c) => seqMethod([...iterate(obj)], name, c));
    return MISSING;
  }
  if (obj instanceof DictView) {
    if (name === "mapping") return obj.dict;
    return MISSING;
  }
  if (typeof obj === "boolean" || isInt(obj)) {
    const n = typeof obj === "boolean" ? Number(obj) : obj;
    if (name === "real" || name === "numerator") return n;
    if (name === "imag") return 0;
    if (name === "denominator") return 1;
    if (name === "bit_length")
      return method("int", name, (c) => (bind(name, c, []), (n < 0 ? -BigInt(n) : BigInt(n)).toString(2).replace(/^0$/, "").length));
    if (name === "conjugate") return method("int", name, (c) => (bind(name, c, []), n));
    if (name === "as_integer_ratio") return method("int", name, (c) => (bind(name, c, []), tuple([n, 1])));
    if (name === "bit_count") {
      return method("int", name, (c) => (bind(name, c, []), (n < 0 ? -BigInt(n) : BigInt(n)).toString(2).replace(/0/g, "").length));
    }
    return MISSING;
  }
  if (isFloat(obj)) {
    const x = toNumber(obj);
    if (name === "real") return obj;
    if (name === "imag") return new PyFloat(0);
    if (name === "is_integer") return method("float", name, (c) => (bind(name, c, []), Number.isInteger(x)));
    if (name === "conjugate") return method("float", name, (c) => (bind(name, c, []), obj));
    if (name === "hex") return method("float", name, (c) => (bind(name, c, []), floatHex(x)));
    if (name === "as_integer_ratio") {
      return method("float", name, (c) => (bind(name, c, []), tuple(floatRatio(x).map((v) => mkInt(v)))));
    }
    return MISSING;
  }
  return MISSING;
}

function method(typeLabel: string, name: string, fn: (c: CallArgs) => unknown): PyCallable {
  return new PyCallable(name, fn, `<built-in method ${name} of ${typeLabel} object at %ADDR%>`);
}

const DICT_MUTATORS = new Set(["clear", "pop", "popitem", "setdefault", "update"]);
const DICT_METHODS = new Set(["copy", "fromkeys", "get", "items", "keys", "values", ...DICT_MUTATORS]);

/** Before a list or dict changes: the render's journal saves context data, to undo it at the end. */
function beforeChange(obj: object): void {
  currentBudget().journal.touch(obj);
}

const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

/** d[k] = v. A plain object (MISP's data) keeps Python's key order only for non-integer string keys. */
function dictSet(d: Record<string, unknown> | PyDict, k: unknown, v: unknown): void {
  if (d instanceof PyDict) {
    d.set(k, v);
    return;
  }
  const key = k instanceof Markup ? k.s : k;
  if (typeof key === "string" && (!ARRAY_INDEX.test(key) || hasOwn.call(d, key) || Number(key) >= 2 ** 32 - 1)) {
    defineKey(d, key, v);
    return;
  }
  hashKey(key); // an unhashable key is Python's TypeError
  throw pyError(
    "NotImplementedError",
    `cannot add the key ${repr(k)} to a dict of the context data (only string keys that are not integers can be added there)`,
  );
}

function dictDelete(d: Record<string, unknown> | PyDict, k: unknown): void {
  if (d instanceof PyDict) d.delete(k);
  else delete d[k instanceof Markup ? k.s : (k as string)];
}

function dictMethod(d: Record<string, unknown> | PyDict, name: string): unknown {
  if (!DICT_METHODS.has(name)) return MISSING;
  return method("dict", name, (c) => {
    switch (name) {
      case "get": {
        noKwargs("get", c);
        const [k, dflt] = bind("get", c, [
          ["key", NO_DEFAULT],
          ["default", null],
        ]);
        const v = dictGet(d, k);
        return v === MISSING ? dflt : v;
      }
      case "items":
      case "keys":
      case "values":
        bind(name, c, []);
        return new DictView(d, name);
      case "copy": {
        bind("copy", c, []);
        const out = new PyDict();
        for (const [k, v] of dictEntries(d)) out.set(k, v);
        return out;
      }
      case "fromkeys": {
        const [keys, v] = bind("fromkeys", c, [
          ["iterable", NO_DEFAULT],
          ["value", null],
        ]);
        const out = new PyDict();
        for (const k of iterate(keys)) out.set(k, v);
        return out;
      }
    }
    switch (name) {
      case "clear":
        bind("clear", c, []);
        beforeChange(d);
        if (d instanceof PyDict) d.m.clear();
        else for (const k of Object.keys(d)) delete d[k];
        return null;
      case "pop": {
        const [k, dflt] = bind("pop", c, [
          ["key", NO_DEFAULT],
          ["default", MISSING],
        ]);
        const v = dictGet(d, k);
        if (v === MISSING) {
          if (dflt === MISSING) throw pyError("KeyError", repr(k));
          return dflt;
        }
        beforeChange(d);
        dictDelete(d, k);
        return v;
      }
      case "popitem": {
        bind("popitem", c, []);
        let last: [unknown, unknown] | undefined;
        if (d instanceof PyDict) last = [...d.m.values()].pop();
        else {
          const keys = Object.keys(d);
          if (keys.length) last = [keys[keys.length - 1], d[keys[keys.length - 1]]];
        }
        if (!last) throw pyError("KeyError", "'popitem(): dictionary is empty'");
        beforeChange(d);
        dictDelete(d, last[0]);
        return tuple([last[0], last[1]]);
      }
      case "setdefault": {
        const [k, dflt] = bind("setdefault", c, [
          ["key", NO_DEFAULT],
          ["default", null],
        ]);
        const v = dictGet(d, k);
        if (v !== MISSING) return v;
        beforeChange(d);
        dictSet(d, k, dflt);
        return dflt;
      }
      default:
        // update
        beforeChange(d);
        updateDict({ set: (k, v) => dictSet(d, k, v) }, c.args, c.kwargs, "update");
        return null;
    }
  });
}

const LIST_MUTATORS = new Set(["append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort"]);

function listMethod(l: unknown[], name: string): unknown {
  // Annotated so TypeScript does not narrow `l` to never after the tuple check.
  const isT: boolean = isTuple(l);
  if (name === "count" || name === "index") return method(isT ? "tuple" : "list", name, (c) => seqMethod(l, name, c, true));
  if (isT) return MISSING;
  if (name === "copy") return method("list", name, (c) => (bind("copy", c, []), newList([...l])));
  if (!LIST_MUTATORS.has(name)) return MISSING;
  return method("list", name, (c) => {
    switch (name) {
      case "append": {
        const [x] = bind("append", c, [["object", NO_DEFAULT]]);
        currentBudget().checkItems(l.length + 1);
        beforeChange(l);
        l.push(x);
        return null;
      }
      case "clear":
        bind("clear", c, []);
        beforeChange(l);
        l.length = 0;
        return null;
      case "extend": {
        const [it] = bind("extend", c, [["iterable", NO_DEFAULT]]);
        const budget = currentBudget();
        // Python reads the iterable first: l.extend(l) doubles the list once.
        const items = [...iterate(it)];
        beforeChange(l);
        for (const x of items) {
          budget.checkItems(l.length + 1);
          l.push(x);
        }
        return null;
      }
      case "insert": {
        const [i, x] = bind("insert", c, [
          ["index", NO_DEFAULT],
          ["object", NO_DEFAULT],
        ]);
        let k = toNumber(i);
        if (k < 0) k = Math.max(0, k + l.length);
        currentBudget().checkItems(l.length + 1);
        beforeChange(l);
        l.splice(Math.min(k, l.length), 0, x);
        return null;
      }
      case "pop": {
        const [i] = bind("pop", c, [["index", -1]]);
        if (!l.length) throw pyError("IndexError", "pop from empty list");
        let k = toNumber(i);
        if (k < 0) k += l.length;
        if (k < 0 || k >= l.length) throw pyError("IndexError", "pop index out of range");
        beforeChange(l);
        return l.splice(k, 1)[0];
      }
      case "remove": {
        const [x] = bind("remove", c, [["value", NO_DEFAULT]]);
        const k = l.findIndex((y) => eq(y, x));
        if (k < 0) throw pyError("ValueError", "list.remove(x): x not in list");
        beforeChange(l);
        l.splice(k, 1);
        return null;
      }
      case "reverse":
        bind("reverse", c, []);
        beforeChange(l);
        l.reverse();
        return null;
      default:
        listSort(l, c);
        return null;
    }
  });
}

/** list.sort(*, key=None, reverse=False): stable; reverse keeps equal items in their order, as CPython. */
function listSort(l: unknown[], c: CallArgs): void {
  if (c.args.length) throw pyError("TypeError", "sort() takes no positional arguments");
  for (const k of c.kwargs.keys()) {
    if (k !== "key" && k !== "reverse") throw pyError("TypeError", `'${k}' is an invalid keyword argument for sort()`);
  }
  const key = c.kwargs.has("key") ? c.kwargs.get("key") : null;
  const reverse = c.kwargs.has("reverse") ? intArg(c.kwargs.get("reverse")) !== 0 : false;
  if (key !== null && !(key instanceof PyCallable)) throw pyError("TypeError", `'${typeName(key)}' object is not callable`);
  const keys = key === null ? l.slice() : l.map((x) => (key as PyCallable).fn({ args: [x], kwargs: new Map() }));
  // Array.prototype.sort is stable, so a descending comparison keeps equal items in place as CPython does.
  const order = l.map((_, i) => i).sort((a, b) => (reverse ? cmp(keys[b], keys[a]) : cmp(keys[a], keys[b])));
  const sorted = order.map((i) => l[i]);
  beforeChange(l);
  for (let i = 0; i < sorted.length; i++) l[i] = sorted[i];
}

function seqMethod(l: unknown[], name: string, c: CallArgs, withBounds = false): number {
  if (name === "count") {
    const [x] = bind("count", c, [["value", NO_DEFAULT]]);
    return l.filter((y) => eq(y, x)).length;
  }
  // list.index / tuple.index take optional start and stop (clamped like slice bounds); range.index does not.
  let from = 0;
  let to = l.length;
  let x: unknown;
  if (withBounds) {
    noKwargs(`${isTuple(l) ? "tuple" : "list"}.index`, c);
    const [value, start, stop] = bind("index", c, [
      ["value", NO_DEFAULT],
      ["start", 0],
      ["stop", l.length],
    ]);
    const clamp = (v: unknown): number => {
      const i = intArg(v);
      return i < 0 ? Math.max(0, i + l.length) : Math.min(i, l.length);
    };
    [x, from, to] = [value, clamp(start), clamp(stop)];
  } else {
    [x] = bind("index", c, [["value", NO_DEFAULT]]);
  }
  for (let k = from; k < to; k++) if (eq(l[k], x)) return k;
  throw pyError("ValueError", isTuple(l) ? "tuple.index(x): x not in tuple" : `${repr(x)} is not in list`);
}
