// Python's pprint.pformat (width 80, dict keys sorted), as the |pprint filter prints values.

import { cmp } from "./ops.js";
import { repr } from "./printing.js";
import { PyDict, dictEntries, isDict, isTuple } from "./values.js";

const WIDTH = 80;

function sortedEntries(d: Record<string, unknown> | PyDict): [unknown, unknown][] {
  const entries = dictEntries(d);
  try {
    return entries.sort((a, b) => cmp(a[0], b[0]));
  } catch {
    return entries; // unorderable keys keep insertion order (pprint falls back likewise)
  }
}

/** One-line repr with dict keys sorted, like pprint's safe_repr. */
function saferepr(v: unknown): string {
  if (Array.isArray(v)) {
    const inner = v.map(saferepr).join(", ");
    if (isTuple(v)) return v.length === 1 ? `(${inner},)` : `(${inner})`;
    return `[${inner}]`;
  }
  if (isDict(v)) return `{${sortedEntries(v).map(([k, x]) => `${saferepr(k)}: ${saferepr(x)}`).join(", ")}}`;
  return repr(v);
}

function format(v: unknown, indent: number, allowance: number): string {
  const rep = saferepr(v);
  if (rep.length <= WIDTH - indent - allowance) return rep;
  if (isDict(v)) {
    const entries = sortedEntries(v);
    if (!entries.length) return rep;
    const parts = entries.map(([k, x], i) => {
      const key = saferepr(k);
      const last = i === entries.length - 1;
      return `${key}: ${format(x, indent + 1 + key.length + 2, last ? allowance + 1 : 1)}`;
    });
    return `{${parts.join(",\n" + " ".repeat(indent + 1))}}`;
  }
  if (Array.isArray(v)) {
    if (!v.length) return rep;
    const tupleOne = isTuple(v) && v.length === 1;
    const open = isTuple(v) ? "(" : "[";
    const close = isTuple(v) ? (tupleOne ? ",)" : ")") : "]";
    const parts = v.map((x, i) => format(x, indent + 1, i === v.length - 1 ? allowance + close.length : 1));
    return `${open}${parts.join(",\n" + " ".repeat(indent + 1))}${close}`;
  }
  return rep;
}

export function pformat(v: unknown): string {
  return format(v, 0, 0);
}
