// Jinja's |tojson: json.dumps(sort_keys=True) then HTML-safe escaping of < > & '.

import { pyError } from "./errors.js";
import { repeatChecked } from "./current.js";
import { floatRepr } from "./printing.js";
import { cmp } from "./ops.js";
import { DictView, Markup, PyFloat, PyRange, dictEntries, isDict, typeName } from "./values.js";

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

function encode(v: unknown, indent: string | null, level: number): string {
  if (v === null) return "null";
  if (v === true) return "true";
  if (v === false) return "false";
  if (typeof v === "number" || typeof v === "bigint" || v instanceof PyFloat) return encodeNumber(v);
  if (typeof v === "string") return quote(v);
  if (v instanceof Markup) return quote(v.s);
  const nl = indent === null ? "" : "\n" + repeatChecked(indent, level + 1);
  const close = indent === null ? "" : "\n" + repeatChecked(indent, level);
  const itemSep = indent === null ? ", " : ",";
  if (Array.isArray(v)) {
    if (!v.length) return "[]";
    return "[" + nl + v.map((x) => encode(x, indent, level + 1)).join(itemSep + nl) + close + "]";
  }
  if (isDict(v)) {
    const raw = dictEntries(v);
    if (!raw.length) return "{}";
    // json.dumps(sort_keys=True) sorts by the original keys, then converts them to strings.
    raw.sort((a, b) => cmp(a[0], b[0]));
    const entries = raw.map(([k, x]) => [keyString(k), x] as [string, unknown]);
    return "{" + nl + entries.map(([k, x]) => `${quote(k)}: ${encode(x, indent, level + 1)}`).join(itemSep + nl) + close + "}";
  }
  if (v instanceof PyRange || v instanceof DictView) {
    throw pyError("TypeError", `Object of type ${typeName(v)} is not JSON serializable`);
  }
  throw pyError("TypeError", `Object of type ${typeName(v)} is not JSON serializable`);
}

/** `indent` is json.dumps' indent already made a string (an int n stands for n spaces). */
export function toJson(v: unknown, indent: string | null): string {
  return encode(v, indent, 0)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/'/g, "\\u0027");
}
