// Jinja's |tojson: json.dumps(sort_keys=True) then HTML-safe escaping of < > & '.

import { pyError } from "./errors.js";
import { repeatChecked } from "./current.js";
import { floatRepr, str } from "./printing.js";
import { cmp, isInt, isStr, toNumber } from "./ops.js";
import { Markup, type PyDict, PyFloat, Undefined, dictEntries, dictSize, isDict, typeName } from "./values.js";

function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i];
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (c < 0x20 || c > 0x7e) out += "\\u" + c.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

function keyString(k: unknown): string {
  if (typeof k === "string") return k;
  if (k instanceof Markup) return k.s;
  if (k === true) return "true";
  if (k === false) return "false";
  if (k === null) return "null";
  if (typeof k === "number" || typeof k === "bigint" || k instanceof PyFloat) return encodeNumber(k);
  throw pyError("TypeError", `keys must be str, int, float, bool or None, not ${typeName(k)}`);
}

function encodeNumber(v: number | bigint | PyFloat): string {
  if (typeof v === "bigint") return v.toString();
  const n = v instanceof PyFloat ? v.v : v;
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "Infinity";
  if (n === -Infinity) return "-Infinity";
  if (v instanceof PyFloat || !Number.isInteger(n)) return floatRepr(n);
  return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
}

function encode(v: unknown, unit: string | null, level: number): string {
  if (v === null) return "null";
  if (v === true) return "true";
  if (v === false) return "false";
  if (typeof v === "number" || typeof v === "bigint" || v instanceof PyFloat) return encodeNumber(v);
  if (typeof v === "string") return quote(v);
  if (v instanceof Markup) return quote(v.s);
  if (Array.isArray(v) && !v.length) return "[]";
  if (isDict(v) && !dictSize(v)) return "{}";
  const nl = unit === null ? "" : "\n" + repeatChecked(unit, level + 1);
  const close = unit === null ? "" : "\n" + repeatChecked(unit, level);
  const itemSep = unit === null ? ", " : ",";
  if (Array.isArray(v) || isDict(v)) {
    // json.dumps' check_circular: a container inside itself (`l.append(l)`) is a ValueError.
    if (encoding.has(v)) throw pyError("ValueError", "Circular reference detected");
    encoding.add(v);
    try {
      return encodeContainer(v, unit, level, nl, close, itemSep);
    } finally {
      encoding.delete(v);
    }
  }
  throw pyError("TypeError", `Object of type ${typeName(v)} is not JSON serializable`);
}

/** Containers being encoded (rendering is synchronous: one set per thread). */
const encoding = new Set<object>();

function encodeContainer(
  v: unknown[] | Record<string, unknown> | PyDict,
  unit: string | null,
  level: number,
  nl: string,
  close: string,
  itemSep: string,
): string {
  if (Array.isArray(v)) return "[" + nl + v.map((x) => encode(x, unit, level + 1)).join(itemSep + nl) + close + "]";
  const raw = dictEntries(v);
  // json.dumps(sort_keys=True) sorts by the original keys, then converts them to strings.
  raw.sort((a, b) => cmp(a[0], b[0]));
  const entries = raw.map(([k, x]) => [keyString(k), x] as [string, unknown]);
  return "{" + nl + entries.map(([k, x]) => `${quote(k)}: ${encode(x, unit, level + 1)}`).join(itemSep + nl) + close + "}";
}

/** json.dumps' indent as a string (an int n means n spaces), or null for none. */
function indentUnit(r: unknown): string | null {
  if (r instanceof Undefined) r.fail(); // " " * Undefined
  if (r === null) return null;
  if (isStr(r)) return str(r);
  if (typeof r === "boolean" || isInt(r)) return repeatChecked(" ", toNumber(r));
  throw pyError("TypeError", `can't multiply sequence by non-int of type '${typeName(r)}'`);
}

/** Python json.dumps(v, indent=indent, sort_keys=True), made HTML-safe. */
export function toJson(v: unknown, indent: unknown): string {
  // JSONEncoder.encode returns a str directly; anything else makes the encoder, which reads indent.
  return (isStr(v) ? quote(str(v)) : encode(v, indentUnit(indent), 0))
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/'/g, "\\u0027");
}
