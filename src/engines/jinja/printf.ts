// Python's printf-style string formatting (`"%s :: %d" % args`, the `format` filter).

import { expDigits, fixedDigits } from "./decimal.js";
import { repeatChecked } from "./current.js";
import { pyError } from "./errors.js";
import { escapeHtml } from "./html.js";
import { asciiRepr, floatRepr, repr, str } from "./printing.js";
import { Markup, MISSING, PyFloat, PyRange, Undefined, dictGet, isDict, isTuple, typeName } from "./values.js";

const SPEC = /%(?:\(([^)]*)\))?([#0\- +]*)(\*|\d+)?(?:\.(\*|\d*))?[hlL]?(.?)/y;

/**
 * Formats `fmt % args`. `args` is one value, a tuple (its items are the arguments) or a mapping
 * (for `%(name)s`). With `escape` it is Markup's `%`: every argument goes through markupsafe's
 * escape helper (str/repr escaped, int()/float() of it for numbers, no __index__).
 */
export function printfFormat(fmt: string, args: unknown, escape = false): string {
  const positional = isTuple(args) ? args : [args];
  const mapping = isDict(args) ? args : null;
  // Python treats any non-tuple, non-str argument with __getitem__ as a mapping: unused is fine.
  const mappingLike = mapping !== null || (Array.isArray(args) && !isTuple(args)) || args instanceof Undefined || args instanceof PyRange;
  let argi = 0;
  let usedMapping = false;
  const nextArg = (): unknown => {
    if (argi >= positional.length) throw pyError("TypeError", "not enough arguments for format string");
    return positional[argi++];
  };
  let out = "";
  let i = 0;
  while (i < fmt.length) {
    const pct = fmt.indexOf("%", i);
    if (pct < 0) {
      out += fmt.slice(i);
      break;
    }
    out += fmt.slice(i, pct);
    SPEC.lastIndex = pct;
    const m = SPEC.exec(fmt);
    if (!m || m[5] === "") throw pyError("ValueError", "incomplete format");
    const [, key, flags, widthSpec, precSpec, conv] = m;
    i = SPEC.lastIndex;
    if (conv === "%" && key === undefined && !flags && !widthSpec && precSpec === undefined) {
      out += "%";
      continue;
    }
    let value: unknown;
    if (key !== undefined) {
      if (args instanceof Undefined) args.fail(); // Undefined has a (failing) __getitem__
      if (!mapping) throw pyError("TypeError", "format requires a mapping");
      usedMapping = true;
      value = dictGet(mapping, key);
      if (value === MISSING) throw pyError("KeyError", repr(key));
      argi = positional.length; // after a %(key), no positional argument is left
    }
    let width = 0;
    let leftAlign = flags.includes("-");
    if (widthSpec === "*") {
      width = starArg(nextArg(), 2 ** 63, escape);
      if (width < 0) {
        leftAlign = true;
        width = -width;
      }
    } else if (widthSpec) width = Number(widthSpec);
    let prec: number | null = null;
    if (precSpec === "*") prec = Math.max(0, starArg(nextArg(), 2 ** 31, escape));
    else if (precSpec !== undefined) prec = precSpec === "" ? 0 : Number(precSpec);
    // "%%" with flags or a width is an ordinary spec: it takes an argument, then fails.
    if (key === undefined) value = nextArg();
    out += formatOne(conv, value, leftAlign && !flags.includes("-") ? flags + "-" : flags, width, prec, pct, escape);
  }
  if (!usedMapping && !mappingLike && argi < positional.length) {
    throw pyError("TypeError", "not all arguments converted during string formatting");
  }
  return out;
}

/** A `*` width or precision: an int that fits a C ssize_t / int (Markup's escape helper is none). */
function starArg(v: unknown, limit: number, escape: boolean): number {
  if (escape) throw pyError("TypeError", "* wants int");
  if (typeof v === "boolean") return Number(v);
  if (typeof v !== "number" && typeof v !== "bigint") throw pyError("TypeError", "* wants int");
  if (typeof v === "number" && !Number.isInteger(v)) throw pyError("TypeError", "* wants int");
  const n = Number(v);
  if (Math.abs(n) >= limit) throw pyError("OverflowError", "Python int too large to convert to C ssize_t");
  return n;
}

function pad(body: string, sign: string, flags: string, width: number, numeric: boolean): string {
  const total = sign.length + Array.from(body).length;
  if (total >= width) return sign + body;
  if (flags.includes("-")) return sign + body + repeatChecked(" ", width - total);
  if (numeric && flags.includes("0")) return sign + repeatChecked("0", width - total) + body;
  return repeatChecked(" ", width - total) + sign + body;
}

function numberValue(v: unknown, conv: string, escape: boolean): number | bigint {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number" || typeof v === "bigint") return v;
  if (v instanceof PyFloat) return v.v;
  // Undefined defines __int__/__float__ only to fail.
  if (v instanceof Undefined) v.fail();
  if (escape && (typeof v === "string" || v instanceof Markup)) {
    // markupsafe's helper converts with int()/float(), so numeric strings are accepted.
    const t = str(v).trim();
    if ("diu".includes(conv) && /^[+-]?\d+$/.test(t)) return BigInt(t);
    if (!"diu".includes(conv) && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return Number(t);
    throw pyError("ValueError", `invalid literal for ${"diu".includes(conv) ? "int() with base 10" : "float()"}: ${repr(str(v))}`);
  }
  if ("dioxXuc".includes(conv) && conv !== "c") {
    throw pyError("TypeError", `%${conv} format: a real number is required, not ${typeName(v)}`);
  }
  throw pyError("TypeError", `must be real number, not ${typeName(v)}`);
}

function signOf(negative: boolean, flags: string): string {
  if (negative) return "-";
  if (flags.includes("+")) return "+";
  if (flags.includes(" ")) return " ";
  return "";
}

function formatOne(conv: string, v: unknown, flags: string, width: number, prec: number | null, at: number, escape: boolean): string {
  switch (conv) {
    case "s": {
      let s = escape && !(v instanceof Markup) ? escapeHtml(str(v)) : str(v);
      if (prec !== null) s = Array.from(s).slice(0, prec).join("");
      return pad(s, "", flags, width, false);
    }
    case "r":
    case "a": {
      const r = conv === "a" ? asciiRepr(v) : repr(v);
      let s = escape ? escapeHtml(r) : r;
      if (prec !== null) s = Array.from(s).slice(0, prec).join("");
      return pad(s, "", flags, width, false);
    }
    case "d":
    case "i":
    case "u": {
      const n = numberValue(v, conv, escape);
      let big: bigint;
      if (typeof n === "bigint") big = n;
      else {
        if (!Number.isFinite(n))
          throw pyError(
            Number.isNaN(n) ? "ValueError" : "OverflowError",
            Number.isNaN(n) ? "cannot convert float NaN to integer" : "cannot convert float infinity to integer",
          );
        big = BigInt(Math.trunc(n));
      }
      let digits = (big < 0n ? -big : big).toString();
      if (prec !== null && digits.length < prec) digits = repeatChecked("0", prec - digits.length) + digits;
      return pad(digits, signOf(big < 0n, flags), flags, width, true);
    }
    case "x":
    case "X":
    case "o": {
      if (escape || (!(typeof v === "number" && Number.isInteger(v)) && typeof v !== "bigint" && typeof v !== "boolean")) {
        throw pyError("TypeError", `%${conv} format: an integer is required, not ${escape ? "_MarkupEscapeHelper" : typeName(v)}`);
      }
      const big = typeof v === "bigint" ? v : BigInt(typeof v === "boolean" ? Number(v) : v);
      let digits = (big < 0n ? -big : big).toString(conv === "o" ? 8 : 16);
      if (conv === "X") digits = digits.toUpperCase();
      if (prec !== null && digits.length < prec) digits = repeatChecked("0", prec - digits.length) + digits;
      // The 0x/0o prefix goes with the sign, before any zero padding.
      const prefix = flags.includes("#") ? (conv === "o" ? "0o" : conv === "x" ? "0x" : "0X") : "";
      return pad(digits, signOf(big < 0n, flags) + prefix, flags, width, true);
    }
    case "e":
    case "E":
    case "f":
    case "F":
    case "g":
    case "G": {
      const n = Number(numberValue(v, conv, escape));
      const negative = n < 0 || Object.is(n, -0);
      const body = formatFloat(Math.abs(n), conv, prec ?? 6, flags.includes("#"));
      return pad(body, signOf(negative, flags), flags, width, true);
    }
    case "c": {
      if (escape) throw pyError("TypeError", "%c requires int or char");
      if (typeof v === "boolean") v = Number(v);
      if (typeof v === "bigint") throw pyError("OverflowError", "%c arg not in range(0x110000)");
      if (typeof v === "string" || v instanceof Markup) {
        const s = str(v);
        if (Array.from(s).length !== 1) throw pyError("TypeError", "%c requires int or char");
        return pad(s, "", flags, width, false);
      }
      if (typeof v === "number" && Number.isInteger(v)) {
        if (v < 0 || v > 0x10ffff) throw pyError("OverflowError", "%c arg not in range(0x110000)");
        return pad(String.fromCodePoint(v), "", flags, width, false);
      }
      throw pyError("TypeError", "%c requires int or char");
    }
  }
  const code = conv.codePointAt(0) ?? 0;
  throw pyError("ValueError", `unsupported format character '${conv}' (0x${code.toString(16)}) at index ${at + 1}`);
}

/** Fixed-point digits of a non-negative finite number, exact like Python (no exponent form). */
export function toFixedExact(x: number, digits: number): string {
  return fixedDigits(x, digits);
}

/** Python's e/f/g formatting of a non-negative float. */
export function formatFloat(x: number, conv: string, prec: number, alt: boolean): string {
  const upper = conv === "E" || conv === "F" || conv === "G";
  if (!Number.isFinite(x)) {
    const s = Number.isNaN(x) ? "nan" : "inf";
    return upper ? s.toUpperCase() : s;
  }
  const lower = conv.toLowerCase();
  let out: string;
  if (lower === "f") {
    out = toFixedExact(x, prec);
    if (alt && prec === 0) out += ".";
  } else if (lower === "e") {
    out = expForm(x, prec);
    if (alt && prec === 0) out = out.replace("e", ".e");
  } else {
    const p = prec === 0 ? 1 : prec;
    if (x === 0) {
      out = alt ? "0." + repeatChecked("0", p - 1) : "0";
    } else {
      const exp = Number(expDigits(x, p - 1).split("e")[1]);
      if (exp >= -4 && exp < p) {
        out = toFixedExact(x, p - 1 - exp);
        if (!alt && out.includes(".")) out = out.replace(/\.?0+$/, "");
        else if (alt && !out.includes(".")) out += ".";
      } else {
        out = expForm(x, p - 1);
        if (!alt) out = out.replace(/\.(\d*?)0*e/, (_m, keep: string) => (keep ? `.${keep}e` : "e"));
        else if (!out.includes(".")) out = out.replace("e", ".e");
      }
    }
  }
  return upper ? out.toUpperCase() : out;
}

function expForm(x: number, prec: number): string {
  return expDigits(x, prec);
}

export { floatRepr };
