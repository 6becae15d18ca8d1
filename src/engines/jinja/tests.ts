// Jinja2's builtin tests (`x is defined`, `n is divisibleby 3`, `"a" is in list` ...).

import { NO_DEFAULT, bind } from "./callargs.js";
import type { Budget } from "./budget.js";
import * as ops from "./ops.js";
import { str } from "./printing.js";
import { hasFilter } from "./filters.js";
import { Markup, PyCallable, PyObject, PyRange, Undefined, hashKey, isDict, type CallArgs } from "./values.js";

type Test = (value: unknown, call: CallArgs) => boolean;

function one(name: string, call: CallArgs): unknown {
  return bind(name, call, [["other", NO_DEFAULT]])[0];
}

function noArgs(name: string, call: CallArgs): void {
  bind(name, call, []);
}

const TESTS: Record<string, Test> = {
  odd: (v, c) => (noArgs("test_odd", c), ops.eq(ops.mod(v, 2, budgetStub), 1)),
  even: (v, c) => (noArgs("test_even", c), ops.eq(ops.mod(v, 2, budgetStub), 0)),
  divisibleby: (v, c) => {
    const [num] = bind("test_divisibleby", c, [["num", NO_DEFAULT]]);
    return ops.eq(ops.mod(v, num, budgetStub), 0);
  },
  defined: (v, c) => (noArgs("test_defined", c), !(v instanceof Undefined)),
  undefined: (v, c) => (noArgs("test_undefined", c), v instanceof Undefined),
  filter: (v, c) => (noArgs("test_filter", c), isRegistered(v, hasFilter)),
  test: (v, c) => (noArgs("test_test", c), isRegistered(v, hasTest)),
  none: (v, c) => (noArgs("test_none", c), v === null),
  boolean: (v, c) => (noArgs("test_boolean", c), typeof v === "boolean"),
  false: (v, c) => (noArgs("test_false", c), v === false),
  true: (v, c) => (noArgs("test_true", c), v === true),
  integer: (v, c) => (noArgs("test_integer", c), ops.isInt(v)),
  float: (v, c) => (noArgs("test_float", c), ops.isFloat(v)),
  number: (v, c) => (noArgs("test_number", c), ops.isNumeric(v)),
  string: (v, c) => (noArgs("test_string", c), ops.isStr(v)),
  mapping: (v, c) => (noArgs("test_mapping", c), isDict(v)),
  sequence: (v, c) => (
    noArgs("test_sequence", c), ops.isStr(v) || Array.isArray(v) || isDict(v) || v instanceof PyRange || v instanceof Undefined
  ),
  iterable: (v, c) => (noArgs("test_iterable", c), ops.isIterable(v)),
  callable: (v, c) => (
    noArgs("test_callable", c),
    v instanceof PyCallable || v instanceof Undefined || (v instanceof PyObject && v.getAttr("__call__") instanceof PyCallable)
  ),
  sameas: (v, c) => {
    const other = one("test_sameas", c);
    if (v === other) return true;
    if (v === null || typeof v === "boolean") return false;
    if (typeof v === "number" && typeof other === "number") return v === other && Number.isInteger(v) && v >= -5 && v <= 256;
    return false;
  },
  escaped: (v, c) => (noArgs("test_escaped", c), v instanceof Markup),
  in: (v, c) => {
    const [seq] = bind("test_in", c, [["seq", NO_DEFAULT]]);
    return ops.contains(seq, v);
  },
  lower: (v, c) => (noArgs("test_lower", c), isLowerStr(str(v))),
  upper: (v, c) => (noArgs("test_upper", c), isUpperStr(str(v))),
  eq: (v, c) => ops.eq(v, one("eq", c)),
  ne: (v, c) => !ops.eq(v, one("ne", c)),
  lt: (v, c) => ops.order("lt", v, one("lt", c)),
  le: (v, c) => ops.order("lteq", v, one("le", c)),
  gt: (v, c) => ops.order("gt", v, one("gt", c)),
  ge: (v, c) => ops.order("gteq", v, one("ge", c)),
};
TESTS["=="] = TESTS.eq;
TESTS.equalto = TESTS.eq;
TESTS["!="] = TESTS.ne;
TESTS["<"] = TESTS.lt;
TESTS.lessthan = TESTS.lt;
TESTS["<="] = TESTS.le;
TESTS[">"] = TESTS.gt;
TESTS.greaterthan = TESTS.gt;
TESTS[">="] = TESTS.ge;

/** `value in environment.filters`: a dict lookup, so unhashable values raise TypeError. */
function isRegistered(v: unknown, has: (name: string) => boolean): boolean {
  hashKey(v);
  return ops.isStr(v) && has(str(v));
}

// str.islower/isupper: at least one cased character, and none of the opposite case or title case
// (by the Unicode Lowercase/Uppercase properties, so U+1D518 FRAKTUR CAPITAL U counts as upper).
function isLowerStr(s: string): boolean {
  return /\p{Lowercase}/u.test(s) && !/[\p{Uppercase}\p{Lt}]/u.test(s);
}
function isUpperStr(s: string): boolean {
  return /\p{Uppercase}/u.test(s) && !/[\p{Lowercase}\p{Lt}]/u.test(s);
}

/** Tests never build big strings; arithmetic inside them needs no real budget. */
const budgetStub = {
  checkString: () => undefined,
  checkItems: () => undefined,
  checkIntBits: () => undefined,
  work: () => undefined,
} as unknown as Budget;

export function hasTest(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(TESTS, name);
}

export function callTest(name: string, value: unknown, call: CallArgs): boolean {
  return TESTS[name](value, call);
}
