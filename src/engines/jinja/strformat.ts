// str.format() and format specs ("{0:>10}", "{:.2f}", "{name!r}"), field lookups through the sandbox.

import { getAttr, getItem } from "./attributes.js";
import { repeatChecked } from "./current.js";
import { pyError } from "./errors.js";
import { expDigits, fixedDigits } from "./decimal.js";
import { escapeHtml } from "./html.js";
import { chars, isFloat, isInt, isStr, toNumber } from "./ops.js";
import { formatFloat } from "./printf.js";
import { asciiRepr, floatRepr, repr, str } from "./printing.js";
import { MISSING, Markup, dictGet, isDict, typeName } from "./values.js";

/**
 * str.format / format_map. With `escape` (Markup.format) every field is HTML-escaped after
 * formatting, except Markup values, which accept no format spec.
 */
export function strFormat(fmt: string, args: unknown[], kwargs: Map<string, unknown> | unknown, escape = false): string {
  let auto = 0;
  // string.Formatter (the sandbox's formatter) refuses to mix "{}" and "{0}"; only a field name
  // that is all digits counts as manual ("{0[a]}" and "{0.x}" do not).
  let numbering: "auto" | "manual" | null = null;
  const index = (explicit: string): number => {
    const mode = explicit === "" ? "auto" : "manual";
    if (numbering && numbering !== mode) {
      throw pyError(
        "ValueError",
        mode === "auto"
          ? "cannot switch from manual field specification to automatic field numbering"
          : "cannot switch from automatic field numbering to manual field specification",
      );
    }
    numbering = mode;
    return explicit === "" ? auto++ : Number(explicit);
  };
  let out = "";
  let i = 0;
  while (i < fmt.length) {
    const c = fmt[i];
    if (c === "}") {
      if (fmt[i + 1] !== "}") throw pyError("ValueError", "Single '}' encountered in format string");
      out += "}";
      i += 2;
      continue;
    }
    if (c !== "{") {
      out += c;
      i++;
      continue;
    }
    if (fmt[i + 1] === "{") {
      out += "{";
      i += 2;
      continue;
    }
    // find the matching close brace (format specs may nest one level of {})
    let depth = 1;
    let j = i + 1;
    while (j < fmt.length && depth) {
      if (fmt[j] === "{") depth++;
      else if (fmt[j] === "}") depth--;
      if (depth) j++;
    }
    if (depth) throw pyError("ValueError", "expected '}' before end of string");
    const field = fmt.slice(i + 1, j);
    i = j + 1;
    const m = /^([^.[!:]*)((?:\.[^.[!:]+|\[[^\]]*\])*)(?:!([rsa]))?(?::(.*))?$/s.exec(field);
    if (!m) throw pyError("ValueError", "unmatched '{' in format spec");
    const [, first, rest, conv, specRaw] = m;
    let value: unknown;
    if (rest === "" && (first === "" || /^\d+$/.test(first))) {
      value = positional(args, index(first));
    } else if (/^\d+$/.test(first)) {
      value = positional(args, Number(first));
    } else {
      value = keyword(kwargs, first);
    }
    for (const part of rest.match(/\.[^.[]+|\[[^\]]*\]/g) ?? []) {
      if (part.startsWith(".")) value = getAttr(value, part.slice(1));
      else {
        const key = part.slice(1, -1);
        value = getItem(value, /^\d+$/.test(key) ? Number(key) : key);
      }
    }
    if (conv === "r") value = repr(value);
    else if (conv === "s") value = str(value);
    else if (conv === "a") value = asciiRepr(value);
    const spec = (specRaw ?? "").replace(/\{([^}]*)\}/g, (_, name: string) =>
      str(name === "" || /^\d+$/.test(name) ? positional(args, index(name)) : keyword(kwargs, name)),
    );
    if (!escape) out += formatSpec(value, spec);
    else if (value instanceof Markup) {
      if (spec) throw pyError("ValueError", "Unsupported format specification for Markup.");
      out += value.s;
    } else out += escapeHtml(formatSpec(value, spec));
  }
  return out;
}

function positional(args: unknown[], i: number): unknown {
  if (i >= args.length) throw pyError("IndexError", `Replacement index ${i} out of range for positional args tuple`);
  return args[i];
}

function keyword(kwargs: Map<string, unknown> | unknown, name: string): unknown {
  if (kwargs instanceof Map) {
    if (!kwargs.has(name)) throw pyError("KeyError", repr(name));
    return kwargs.get(name);
  }
  if (isDict(kwargs)) {
    const v = dictGet(kwargs, name);
    if (v === MISSING) throw pyError("KeyError", repr(name));
    return v;
  }
  throw pyError("KeyError", repr(name));
}

const SPEC_RE = /^(?:(.)?([<>=^]))?([+\- ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?(.)?$/su;

interface Spec {
  fill: string;
  align: string | undefined;
  sign: string | undefined;
  z: boolean;
  alt: boolean;
  width: number;
  group: string | undefined;
  prec: number | null;
  type: string;
}

function parseSpec(spec: string, defaultAlign: string): Spec {
  const m = SPEC_RE.exec(spec);
  if (!m) throw pyError("ValueError", "Invalid format specifier");
  const [, fillRaw, alignRaw, sign, z, alt, zero, widthRaw, group, precRaw, type] = m;
  let fill = fillRaw ?? " ";
  let align = alignRaw;
  // A "0" before the width means fill "0" (unless a fill is given) and, for numbers, "=" alignment.
  if (zero && fillRaw === undefined) {
    fill = "0";
    if (!alignRaw && defaultAlign === ">") align = "=";
  }
  return {
    fill,
    align,
    sign,
    z: Boolean(z),
    alt: Boolean(alt),
    width: widthRaw ? Number(widthRaw) : 0,
    group,
    prec: precRaw !== undefined ? Number(precRaw) : null,
    type: type ?? "",
  };
}

/** format(value, spec): Python's format-spec mini-language for str, int (and bool) and float. */
export function formatSpec(value: unknown, spec: string): string {
  const isNum = typeof value === "boolean" || isInt(value) || isFloat(value);
  if (spec === "") return str(value);
  if (isStr(value)) return formatStr(str(value), parseSpec(spec, "<"));
  if (!isNum) {
    // object.__format__ (None, lists, dicts, Undefined ...) accepts only the empty spec.
    throw pyError("TypeError", `unsupported format string passed to ${typeName(value)}.__format__`);
  }
  const sp = parseSpec(spec, ">");
  if (isFloat(value)) return formatFloatSpec(toNumber(value), sp);
  return formatIntSpec(typeof value === "boolean" ? (value ? 1n : 0n) : BigInt(value as number | bigint), sp);
}

function unknownCode(type: string, value: string): never {
  throw pyError("ValueError", `Unknown format code '${type}' for object of type '${value}'`);
}

function formatStr(s: string, sp: Spec): string {
  if (sp.type !== "" && sp.type !== "s") unknownCode(sp.type, "str");
  if (sp.sign) throw pyError("ValueError", "Sign not allowed in string format specifier");
  if (sp.z) throw pyError("ValueError", "Negative zero coercion (z) not allowed in format specifier");
  if (sp.alt) throw pyError("ValueError", "Alternate form (#) not allowed in string format specifier");
  if (sp.align === "=") throw pyError("ValueError", "'=' alignment not allowed in string format specifier");
  if (sp.group) throw pyError("ValueError", `Cannot specify '${sp.group}' with 's'.`);
  const body = sp.prec !== null ? chars(s).slice(0, sp.prec).join("") : s;
  return pad(body, "", "", sp, "<");
}

function formatIntSpec(v: bigint, sp: Spec): string {
  const t = sp.type;
  if ("eEfFgG%".includes(t) && t !== "") {
    const n = Number(v);
    if (!Number.isFinite(n)) throw pyError("OverflowError", "int too large to convert to float");
    return formatFloatSpec(n, sp);
  }
  if (!["", "d", "n", "b", "o", "x", "X", "c"].includes(t)) unknownCode(t, "int");
  if (sp.prec !== null) throw pyError("ValueError", "Precision not allowed in integer format specifier");
  if (sp.z) throw pyError("ValueError", "Negative zero coercion (z) not allowed in integer format specifier");
  if (sp.group && (t === "n" || t === "c" || (sp.group === "," && "boxX".includes(t) && t !== ""))) {
    throw pyError("ValueError", `Cannot specify '${sp.group}' with '${t}'.`);
  }
  if (t === "c") {
    if (sp.sign) throw pyError("ValueError", "Sign not allowed with integer format specifier 'c'");
    if (sp.alt) throw pyError("ValueError", "Alternate form (#) not allowed with integer format specifier 'c'");
    if (v < 0n || v > 0x10ffffn) throw pyError("OverflowError", "%c arg not in range(0x110000)");
    return pad(String.fromCodePoint(Number(v)), "", "", sp, ">");
  }
  const radix = t === "b" ? 2 : t === "o" ? 8 : t === "x" || t === "X" ? 16 : 10;
  let digits = (v < 0n ? -v : v).toString(radix);
  if (t === "X") digits = digits.toUpperCase();
  const prefix = sp.alt && radix !== 10 ? `0${t}` : "";
  return pad(digits, signStr(v < 0n, sp), prefix, sp, ">", radix === 10 ? 3 : 4);
}

function formatFloatSpec(x: number, sp: Spec): string {
  let t = sp.type;
  if (!["", "e", "E", "f", "F", "g", "G", "n", "%"].includes(t)) unknownCode(t, "float");
  if (t === "n" && sp.group) throw pyError("ValueError", `Cannot specify '${sp.group}' with 'n'.`);
  if (t === "n") t = "g";
  let negative = x < 0 || Object.is(x, -0);
  let abs = Math.abs(x);
  let body: string;
  if (t === "%") {
    abs *= 100;
    body = formatFloat(abs, "f", sp.prec ?? 6, sp.alt) + "%";
  } else if (t === "") {
    body = sp.prec === null ? reprBody(abs, sp.alt) : shortG(abs, sp.prec, sp.alt);
  } else body = formatFloat(abs, t, sp.prec ?? 6, sp.alt);
  // "z": a negative zero after rounding prints without its sign.
  if (sp.z && negative && !/[1-9]/.test(body.replace(/e.*$/i, ""))) negative = false;
  return pad(body, signStr(negative, sp), "", sp, ">", 3);
}

/** repr() digits; "#" keeps a decimal point even in exponent form (1.e+20). */
function reprBody(abs: number, alt: boolean): string {
  const r = floatRepr(abs);
  if (alt && !r.includes(".") && Number.isFinite(abs)) return r.replace("e", ".e");
  return r;
}

/** The spec with a precision and no type: "g", but exponent form from exp >= prec - 1 and a ".0" kept. */
function shortG(abs: number, prec: number, alt: boolean): string {
  if (!Number.isFinite(abs)) return formatFloat(abs, "g", prec, alt);
  const p = prec === 0 ? 1 : prec;
  const exp = abs === 0 ? 0 : Number(expDigits(abs, p - 1).split("e")[1]);
  if (exp < -4 || exp >= p - 1) {
    let out = expDigits(abs, p - 1);
    if (!alt) out = out.replace(/\.(\d*?)0*e/, (_m, keep: string) => (keep ? `.${keep}e` : "e"));
    else if (!out.includes(".")) out = out.replace("e", ".e");
    return out;
  }
  let out = fixedDigits(abs, p - 1 - exp);
  if (!alt && out.includes(".")) out = out.replace(/\.?0+$/, "");
  if (!out.includes(".")) out += ".0";
  return out;
}

function signStr(negative: boolean, sp: Spec): string {
  return negative ? "-" : sp.sign === "+" ? "+" : sp.sign === " " ? " " : "";
}

/** Python's thousands grouping of the integer digits; with "=" zero padding the zeros are grouped too. */
function group(intDigits: string, sep: string, size: number, minWidth: number): string {
  const out: string[] = [];
  let remaining = intDigits.length;
  let min = minWidth;
  for (;;) {
    const l = Math.min(Math.max(remaining, min, 1), size);
    const nChars = Math.max(0, Math.min(remaining, l));
    out.unshift("0".repeat(l - nChars) + intDigits.slice(remaining - nChars, remaining));
    min -= l;
    remaining -= nChars;
    if (remaining <= 0 && min <= 0) break;
    out.unshift(sep);
    min -= sep.length;
  }
  return out.join("");
}

function pad(body: string, sign: string, prefix: string, sp: Spec, defaultAlign: string, groupSize = 3): string {
  const align = sp.align ?? defaultAlign;
  if (sp.group) {
    const m = (groupSize === 4 ? /^([0-9a-fA-F]+)(.*)$/s : /^(\d+)(.*)$/s).exec(body);
    if (m) {
      const zeroFill = align === "=" && sp.fill === "0";
      const minWidth = zeroFill ? Math.max(0, sp.width - sign.length - prefix.length - chars(m[2]).length) : 0;
      body = group(m[1], sp.group, groupSize, minWidth) + m[2];
    }
  }
  const head = sign + prefix;
  const n = chars(body).length + head.length;
  if (n >= sp.width) return head + body;
  const padN = sp.width - n;
  switch (align) {
    case "<":
      return head + body + repeatChecked(sp.fill, padN);
    case "^": {
      const left = Math.floor(padN / 2);
      return repeatChecked(sp.fill, left) + head + body + repeatChecked(sp.fill, padN - left);
    }
    case "=":
      return head + repeatChecked(sp.fill, padN) + body;
    default:
      return repeatChecked(sp.fill, padN) + head + body;
  }
}
