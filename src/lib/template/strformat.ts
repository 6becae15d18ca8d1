// str.format() and format specs ("{0:>10}", "{:.2f}", "{name!r}"), field lookups through the sandbox.

import { getAttr, getItem } from "./attributes.js";
import { repeatChecked } from "./current.js";
import { pyError } from "./errors.js";
import { chars, isFloat, isInt, isStr, toNumber } from "./ops.js";
import { formatFloat } from "./printf.js";
import { floatRepr, repr, str } from "./printing.js";
import { MISSING, PyFloat, Undefined, dictGet, isDict, typeName } from "./values.js";

export function strFormat(fmt: string, args: unknown[], kwargs: Map<string, unknown> | unknown): string {
  let auto = 0;
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
    if (first === "") {
      value = positional(args, auto++);
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
    else if (conv === "a") value = repr(value).replace(/[^\x00-\x7f]/gu, (ch) => `\\u${ch.codePointAt(0)!.toString(16).padStart(4, "0")}`);
    const spec = (specRaw ?? "").replace(/\{([^}]*)\}/g, (_, name: string) =>
      str(name === "" ? positional(args, auto++) : /^\d+$/.test(name) ? positional(args, Number(name)) : keyword(kwargs, name)),
    );
    out += formatSpec(value, spec);
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

const SPEC_RE = /^(?:(.)?([<>=^]))?([+\- ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/su;

/** format(value, spec): Python's format-spec mini-language for str, int and float. */
export function formatSpec(value: unknown, spec: string): string {
  if (spec === "") return str(value);
  const m = SPEC_RE.exec(spec);
  if (!m) throw pyError("ValueError", `Invalid format specifier '${spec}' for object of type '${typeName(value)}'`);
  const [, fillRaw, alignRaw, signRaw, , alt, zero, widthRaw, group, precRaw, type] = m;
  const width = widthRaw ? Number(widthRaw) : 0;
  const prec = precRaw !== undefined ? Number(precRaw) : null;
  let fill = fillRaw ?? " ";
  let align = alignRaw;
  if (zero && !alignRaw) {
    fill = "0";
    align = "=";
  }
  const sign = signRaw ?? "-";
  let body: string;
  let negative = false;
  const numeric = typeof value === "boolean" || isInt(value) || isFloat(value);
  if (!numeric || value instanceof Undefined) {
    if (type && type !== "s") throw pyError("ValueError", `Unknown format code '${type}' for object of type '${typeName(value)}'`);
    if (!isStr(value) && !(value instanceof Undefined)) {
      if (spec !== "") throw pyError("TypeError", `unsupported format string passed to ${typeName(value)}.__format__`);
    }
    body = str(value);
    if (prec !== null) body = chars(body).slice(0, prec).join("");
    return align2(body, "", fill, align ?? "<", width);
  }
  const n = toNumber(value);
  negative = n < 0 || Object.is(n, -0);
  const abs = Math.abs(n);
  const asInt = (isInt(value) || typeof value === "boolean") && !((value as unknown) instanceof PyFloat);
  const t = type ?? (asInt ? "d" : "");
  switch (t) {
    case "d":
    case "n":
      if (!asInt) throw pyError("ValueError", `Unknown format code 'd' for object of type 'float'`);
      body = typeof value === "bigint" ? (value < 0n ? -value : value).toString() : String(abs);
      break;
    case "b":
    case "o":
    case "x":
    case "X":
      if (!asInt) throw pyError("ValueError", `Unknown format code '${t}' for object of type 'float'`);
      body = abs.toString(t === "b" ? 2 : t === "o" ? 8 : 16);
      if (t === "X") body = body.toUpperCase();
      if (alt) body = `0${t}` + body;
      break;
    case "c":
      body = String.fromCodePoint(abs);
      break;
    case "%":
      body = formatFloat(abs * 100, "f", prec ?? 6, Boolean(alt)) + "%";
      break;
    case "":
      body = prec === null ? floatRepr(abs) : formatFloat(abs, "g", prec, Boolean(alt)).replace(/^(\d+)$/, "$1");
      if (prec !== null && /^[\d]+$/.test(body) && !asInt) body = body;
      break;
    default:
      body = formatFloat(abs, t, prec ?? 6, Boolean(alt));
  }
  if (group) {
    const [intPart, frac] = body.split(/(?=[.eE%])/, 2);
    if (/^\d+$/.test(intPart)) body = intPart.replace(/\B(?=(\d{3})+(?!\d))/g, group) + (body.slice(intPart.length) || (frac ? "" : ""));
  }
  const signStr = negative ? "-" : sign === "+" ? "+" : sign === " " ? " " : "";
  return align2(body, signStr, fill, align ?? ">", width);
}

function align2(body: string, sign: string, fill: string, align: string, width: number): string {
  const n = chars(body).length + sign.length;
  if (n >= width) return sign + body;
  const padN = width - n;
  switch (align) {
    case "<":
      return sign + body + repeatChecked(fill, padN);
    case "^": {
      const left = Math.floor(padN / 2);
      return repeatChecked(fill, left) + sign + body + repeatChecked(fill, padN - left);
    }
    case "=":
      return sign + repeatChecked(fill, padN) + body;
    default:
      return repeatChecked(fill, padN) + sign + body;
  }
}
