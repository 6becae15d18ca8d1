// Python's str() and repr() of template values: what `{{ value }}` prints.

import { pyError } from "./errors.js";
import {
  DictView,
  Markup,
  PyCallable,
  type PyDict,
  PyFloat,
  PyIter,
  PyObject,
  PyRange,
  Undefined,
  dictEntries,
  isDict,
  isTuple,
  setReprHook,
} from "./values.js";

/** repr() of a float, Python's shortest round-trip form ('1.0', '1e+16', '1e-05', 'inf', 'nan'). */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const exp = x.toExponential(); // shortest digits that round-trip, e.g. "1.2345e+2"
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(exp);
  if (!m) return String(x);
  const sign = m[1];
  const digits = m[2] + (m[3] ?? "");
  const e = Number(m[4]);
  const decpt = e + 1; // position of the decimal point relative to the digit string
  if (decpt > 16 || decpt < -3) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const ee = Math.abs(e);
    return `${sign}${mant}e${e < 0 ? "-" : "+"}${ee < 10 ? "0" : ""}${ee}`;
  }
  if (decpt <= 0) return `${sign}0.${"0".repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${"0".repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

const NONPRINTABLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}\p{Zs}]/u;

/** repr() of a str: quotes chosen like Python, escapes for non-printable characters. */
export function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    if (ch === quote || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch !== " " && NONPRINTABLE.test(ch)) {
      const cp = ch.codePointAt(0)!;
      if (cp < 0x100) out += "\\x" + cp.toString(16).padStart(2, "0");
      else if (cp < 0x10000) out += "\\u" + cp.toString(16).padStart(4, "0");
      else out += "\\U" + cp.toString(16).padStart(8, "0");
    } else out += ch;
  }
  return out + quote;
}

/** Python 3.11's int -> str limit (sys.get_int_max_str_digits()), counted without the sign. */
const INT_MAX_STR_DIGITS = 4300;

export function bigIntStr(v: bigint): string {
  const s = v.toString();
  if (s.length - (v < 0n ? 1 : 0) > INT_MAX_STR_DIGITS) {
    throw pyError(
      "ValueError",
      `Exceeds the limit (${INT_MAX_STR_DIGITS} digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit`,
    );
  }
  return s;
}

const FAKE_ADDRESS = "0x7f0000000000";

/** Every non-ASCII character as a \\x, \\u or \\U escape (Python's "backslashreplace"). */
export function escapeNonAscii(s: string): string {
  return s.replace(/[^\x00-\x7f]/gu, (c) => {
    const cp = c.codePointAt(0)!;
    if (cp < 0x100) return "\\x" + cp.toString(16).padStart(2, "0");
    if (cp < 0x10000) return "\\u" + cp.toString(16).padStart(4, "0");
    return "\\U" + cp.toString(16).padStart(8, "0");
  });
}

/** Python's ascii(): repr() with its non-ASCII characters escaped. */
export function asciiRepr(v: unknown): string {
  return escapeNonAscii(repr(v));
}

/** Containers whose repr() is being built (rendering is synchronous: one set per thread). */
const inRepr = new Set<object>();

export function repr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  switch (typeof v) {
    case "boolean":
      return v ? "True" : "False";
    case "number":
      return Number.isInteger(v) ? intStr(v) : floatRepr(v);
    case "bigint":
      return bigIntStr(v);
    case "string":
      return strRepr(v);
  }
  if (v instanceof PyFloat) return floatRepr(v.v);
  if (v instanceof Markup) return `Markup(${strRepr(v.s)})`;
  if (Array.isArray(v) || isDict(v)) {
    // A container inside itself (`l.append(l)`) prints as [...] / {...}, as Python's Py_ReprEnter does.
    if (inRepr.has(v)) return Array.isArray(v) ? (isTuple(v) ? "(...)" : "[...]") : "{...}";
    inRepr.add(v);
    try {
      if (Array.isArray(v)) {
        const inner = v.map(repr).join(", ");
        if (isTuple(v)) return v.length === 1 ? `(${inner},)` : `(${inner})`;
        return `[${inner}]`;
      }
      return `{${dictEntries(v as Record<string, unknown> | PyDict)
        .map(([k, x]) => `${repr(k)}: ${repr(x)}`)
        .join(", ")}}`;
    } finally {
      inRepr.delete(v);
    }
  }
  if (v instanceof Undefined) return "Undefined";
  if (v instanceof DictView) {
    const items = v.items().map(repr).join(", ");
    return `dict_${v.kind}([${items}])`;
  }
  if (v instanceof PyRange) return v.step === 1 ? `range(${v.start}, ${v.stop})` : `range(${v.start}, ${v.stop}, ${v.step})`;
  if (v instanceof PyIter) return v.reprText.replace("%ADDR%", FAKE_ADDRESS);
  if (v instanceof PyCallable) return v.reprText.replace("%ADDR%", FAKE_ADDRESS);
  if (v instanceof PyObject) return v.repr().replace("%ADDR%", FAKE_ADDRESS);
  return "<object>";
}

function intStr(v: number): string {
  // Integral numbers beyond 1e21 would print in exponent form in JavaScript.
  return Math.abs(v) < 1e21 ? String(v) : BigInt(v).toString();
}

/** str(): the text `{{ v }}` prints. */
export function str(v: unknown): string {
  if (typeof v === "string") return v;
  if (v instanceof Markup) return v.s;
  if (v instanceof Undefined) return "";
  return repr(v);
}

setReprHook(repr);
