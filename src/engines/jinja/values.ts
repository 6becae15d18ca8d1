// How Python values are represented while rendering.
//
// Context data (parsed JSON) is used as is and never mutated:
//   null -> None, boolean -> bool, integral number -> int, other number -> float,
//   string -> str, array -> list, plain object -> dict.
// Values the engine creates use the classes below where JavaScript has no faithful equivalent.

import { pyError } from "./errors.js";

/** A float whose value is integral (5.0), infinite or NaN; other floats stay plain numbers. */
export class PyFloat {
  constructor(readonly v: number) {}
}

/** str subclass marked safe for HTML (result of |safe, |e, |tojson ...). */
export class Markup {
  constructor(readonly s: string) {}
}

/** Tuples are arrays remembered in this set (so they print with parentheses). */
const tuples = new WeakSet<unknown[]>();
export function tuple(items: unknown[]): unknown[] {
  tuples.add(items);
  return items;
}
export function isTuple(v: unknown): v is unknown[] {
  return Array.isArray(v) && tuples.has(v);
}

/** groupby() results: tuples that also answer .grouper and .list (Python namedtuple). */
export const GROUP_TUPLES = new WeakMap<unknown[], { grouper: unknown; list: unknown[] }>();

/** Lists and dicts the template created itself; only those may be changed by list/dict methods. */
const owned = new WeakSet<object>();
export function own<T extends object>(v: T): T {
  owned.add(v);
  return v;
}
export function isOwned(v: object): boolean {
  return owned.has(v);
}
export function newList(items: unknown[]): unknown[] {
  owned.add(items);
  return items;
}

/** A dict made by the template (literals, dict(), ...): any hashable key, insertion order. */
export class PyDict {
  readonly m = new Map<unknown, [unknown, unknown]>();
  /** `templateOwned` is false for dicts that hold context data (those are never modified). */
  constructor(templateOwned = true) {
    if (templateOwned) owned.add(this);
  }
  get size(): number {
    return this.m.size;
  }
  set(k: unknown, v: unknown): void {
    const h = hashKey(k);
    const cur = this.m.get(h);
    if (cur) cur[1] = v;
    else this.m.set(h, [k, v]);
  }
  has(k: unknown): boolean {
    return this.m.has(hashKey(k));
  }
  get(k: unknown): unknown {
    const e = this.m.get(hashKey(k));
    return e ? e[1] : MISSING;
  }
  delete(k: unknown): boolean {
    return this.m.delete(hashKey(k));
  }
  *entries(): IterableIterator<[unknown, unknown]> {
    for (const e of this.m.values()) yield e;
  }
}

export const MISSING: unique symbol = Symbol("missing");

/** Python hash identity of a key: 1 == 1.0 == True, "1" differs. Unhashable values raise TypeError. */
export function hashKey(k: unknown): unknown {
  if (typeof k === "string" || k === null) return k;
  if (typeof k === "boolean") return k ? 1 : 0;
  if (typeof k === "number") return k;
  if (typeof k === "bigint") return Number.isSafeInteger(Number(k)) ? Number(k) : `\u0000b${k}`;
  if (k instanceof PyFloat) return k.v;
  if (k instanceof Markup) return k.s;
  if (isTuple(k)) return "\u0000t" + k.map((x) => String(hashKey(x))).join("\u0001");
  if (k instanceof Undefined) return "\u0000undefined";
  if (Array.isArray(k) || isDict(k)) throw pyError("TypeError", `unhashable type: '${typeName(k)}'`);
  return k;
}

/** A plain data object (parsed JSON) or a template-made dict. */
export function isDict(v: unknown): v is Record<string, unknown> | PyDict {
  if (v === null || typeof v !== "object") return false;
  // One prototype read: arrays, class instances and other objects have other prototypes
  // (PyDict has no subclasses).
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null || p === PyDict.prototype;
}

export function isPlainData(v: unknown): v is Record<string, unknown> {
  return !(v instanceof PyDict) && isDict(v);
}

const hasOwn = Object.prototype.hasOwnProperty;

export function dictGet(d: Record<string, unknown> | PyDict, k: unknown): unknown {
  if (d instanceof PyDict) return d.get(k);
  const key = k instanceof Markup ? k.s : k;
  if (typeof key !== "string") {
    hashKey(key);
    return MISSING;
  }
  return hasOwn.call(d, key) ? d[key] : MISSING;
}

export function dictHas(d: Record<string, unknown> | PyDict, k: unknown): boolean {
  return dictGet(d, k) !== MISSING;
}

export function dictKeys(d: Record<string, unknown> | PyDict): unknown[] {
  if (d instanceof PyDict) return [...d.m.values()].map((e) => e[0]);
  return Object.keys(d);
}

export function dictEntries(d: Record<string, unknown> | PyDict): [unknown, unknown][] {
  if (d instanceof PyDict) return [...d.m.values()].map((e) => [e[0], e[1]]);
  return Object.keys(d).map((k) => [k, d[k]]);
}

export function dictSize(d: Record<string, unknown> | PyDict): number {
  return d instanceof PyDict ? d.size : Object.keys(d).length;
}

/** Jinja's Undefined: what a missing name, key or attribute evaluates to. */
export class Undefined {
  constructor(
    readonly hint: string | null = null,
    readonly obj: unknown = MISSING,
    readonly name: unknown = null,
    readonly exc: string = "UndefinedError",
  ) {}
  message(): string {
    if (this.hint !== null) return this.hint;
    if (this.obj === MISSING) return `${pyReprName(this.name)} is undefined`;
    if (typeof this.name !== "string") return `${objectTypeRepr(this.obj)} has no element ${pyReprName(this.name)}`;
    return `${pyReprName(objectTypeRepr(this.obj))} has no attribute ${pyReprName(this.name)}`;
  }
  fail(): never {
    throw pyError(this.exc, this.message());
  }
}

// Set by the printing module to break the import cycle; repr of names in messages.
let reprHook: (v: unknown) => string = (v) => JSON.stringify(v);
export function setReprHook(f: (v: unknown) => string): void {
  reprHook = f;
}
function pyReprName(v: unknown): string {
  return reprHook(v);
}

function objectTypeRepr(obj: unknown): string {
  if (obj === null) return "None";
  // Jinja's object_type_repr names non-builtin classes with their module.
  if (obj instanceof Undefined) return "jinja2.runtime.Undefined object";
  return `${typeName(obj)} object`;
}

/** A one-shot iterator (generator, reversed(), map() ...). */
export class PyIter {
  constructor(
    readonly it: Iterator<unknown>,
    readonly typeName: string,
    readonly reprText: string,
  ) {}
}

/** dict.keys() / .values() / .items(): re-iterable, sized views. */
export class DictView {
  constructor(
    readonly dict: Record<string, unknown> | PyDict,
    readonly kind: "keys" | "values" | "items",
  ) {}
  items(): unknown[] {
    const entries = dictEntries(this.dict);
    if (this.kind === "keys") return entries.map((e) => e[0]);
    if (this.kind === "values") return entries.map((e) => e[1]);
    return entries.map((e) => tuple([e[0], e[1]]));
  }
}

/** Python range object (lazy, sized, indexable). */
export class PyRange {
  constructor(
    readonly start: number,
    readonly stop: number,
    readonly step: number,
  ) {}
  get length(): number {
    const { start, stop, step } = this;
    if (step > 0) return stop > start ? Math.floor((stop - start - 1) / step) + 1 : 0;
    return start > stop ? Math.floor((start - stop - 1) / -step) + 1 : 0;
  }
  at(i: number): number {
    return this.start + i * this.step;
  }
}

export interface CallArgs {
  args: unknown[];
  kwargs: Map<string, unknown>;
}

/** Anything callable from a template: builtins, safe methods of values, macros. */
export class PyCallable {
  constructor(
    readonly name: string,
    readonly fn: (call: CallArgs) => unknown,
    readonly reprText: string,
    /** Set on classes (cycler, joiner, namespace, range, dict): their type name is 'type'. */
    readonly isClass = false,
    /** Public attributes (a macro's name, arguments ...). */
    readonly attrs: ReadonlyMap<string, unknown> | null = null,
  ) {}
}

/** An object with template-visible attributes (loop, namespace, cycler ...). */
export abstract class PyObject {
  abstract readonly pyType: string;
  /** Returns MISSING when the object has no such attribute. */
  abstract getAttr(name: string): unknown;
  abstract repr(): string;
  /** `obj[key]` for objects that support it (MISSING: no such item, or no item access at all). */
  getItem(_key: unknown): unknown {
    return MISSING;
  }
  /** The items when the object is iterable; null when it is not. */
  iterate(): Iterable<unknown> | null {
    return null;
  }
  setAttr(name: string, _value: unknown): void {
    throw pyError("TypeError", `'${this.pyType}' object does not support attribute assignment (${name})`);
  }
}

/** Python type name, as used in error messages. */
export function typeName(v: unknown): string {
  if (v === null) return "NoneType";
  switch (typeof v) {
    case "boolean":
      return "bool";
    case "number":
      return Number.isInteger(v) ? "int" : "float";
    case "bigint":
      return "int";
    case "string":
      return "str";
    case "undefined":
      return "Undefined";
  }
  if (v instanceof PyFloat) return "float";
  if (v instanceof Markup) return "Markup";
  if (Array.isArray(v)) return tuples.has(v) ? "tuple" : "list";
  if (isDict(v)) return "dict";
  if (v instanceof Undefined) return "Undefined";
  if (v instanceof PyIter) return v.typeName;
  if (v instanceof DictView) return `dict_${v.kind}`;
  if (v instanceof PyRange) return "range";
  if (v instanceof PyCallable) return v.isClass ? "type" : v.attrs ? "Macro" : "builtin_function_or_method";
  if (v instanceof PyObject) return v.pyType;
  return "object";
}

/** A Python float: integral values need the PyFloat marker so they print as 5.0. */
export function mkFloat(n: number): number | PyFloat {
  return Number.isInteger(n) ? new PyFloat(n) : n;
}
