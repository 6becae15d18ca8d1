// Python's pprint.pformat (width 80, dict keys sorted), as the |pprint filter prints values.

import { cmp, len } from "./ops.js";
import { repr } from "./printing.js";
import { splitLines } from "./strmethods.js";
import { type PyDict, dictEntries, isDict, isTuple, typeName } from "./values.js";

const WIDTH = 80;

/** pprint's _safe_key: values that cannot be compared order by their type's name instead. */
function safeCmp(a: unknown, b: unknown): number {
  try {
    return cmp(a, b);
  } catch {
    const ta = `<class '${typeName(a)}'>`;
    const tb = `<class '${typeName(b)}'>`;
    return ta < tb ? -1 : ta > tb ? 1 : 0;
  }
}

function sortedEntries(d: Record<string, unknown> | PyDict): [unknown, unknown][] {
  return dictEntries(d).sort((a, b) => safeCmp(a[0], b[0]));
}

/** One-line repr with dict keys sorted, like pprint's safe_repr. */
function saferepr(v: unknown): string {
  if (!Array.isArray(v) && !isDict(v)) return repr(v);
  // A container inside itself (`l.append(l)`): pprint names it with its id (a fixed one here).
  if (inSafeRepr.has(v)) return `<Recursion on ${typeName(v)} with id=${FAKE_ID}>`;
  inSafeRepr.add(v);
  try {
    if (Array.isArray(v)) {
      const inner = v.map(saferepr).join(", ");
      if (isTuple(v)) return v.length === 1 ? `(${inner},)` : `(${inner})`;
      return `[${inner}]`;
    }
    return `{${sortedEntries(v)
      .map(([k, x]) => `${saferepr(k)}: ${saferepr(x)}`)
      .join(", ")}}`;
  } finally {
    inSafeRepr.delete(v);
  }
}
const inSafeRepr = new Set<object>();
/** id() of the fixed address reprs show (0x7f0000000000). */
const FAKE_ID = "139637976727552";

/** pprint's _pprint_str: a long str is split into adjacent literals at line ends and after spaces. */
function formatStr(s: string, indent: number, allowance: number, level: number): string {
  const lines = splitLines(s, true);
  if (level === 1) {
    indent += 1;
    allowance += 1;
  }
  const maxWidth = WIDTH - indent;
  let maxWidth1 = maxWidth;
  const chunks: string[] = [];
  let rep = "";
  lines.forEach((line, i) => {
    rep = repr(line);
    const lastLine = i === lines.length - 1;
    if (lastLine) maxWidth1 -= allowance;
    if (len(rep) <= maxWidth1) {
      chunks.push(rep);
      return;
    }
    // Alternating runs of non-space then space (re.findall(r"\S*\s*"), without the final empty match).
    const parts = line.match(/[^\s]*\s*/gu)?.filter((p) => p !== "") ?? [];
    let maxWidth2 = maxWidth;
    let current = "";
    parts.forEach((part, j) => {
      const candidate = current + part;
      if (j === parts.length - 1 && lastLine) maxWidth2 -= allowance;
      if (len(repr(candidate)) > maxWidth2) {
        if (current) chunks.push(repr(current));
        current = part;
      } else current = candidate;
    });
    if (current) chunks.push(repr(current));
  });
  if (chunks.length === 1) return rep;
  const body = chunks.join("\n" + " ".repeat(indent));
  return level === 1 ? `(${body})` : body;
}

function format(v: unknown, indent: number, allowance: number, level: number): string {
  const rep = saferepr(v);
  if (len(rep) <= WIDTH - indent - allowance) return rep;
  if (typeof v === "string" && v.length) return formatStr(v, indent, allowance, level + 1);
  if (isDict(v)) {
    const entries = sortedEntries(v);
    if (!entries.length) return rep;
    const parts = entries.map(([k, x], i) => {
      const key = saferepr(k);
      const last = i === entries.length - 1;
      return `${key}: ${format(x, indent + 1 + len(key) + 2, last ? allowance + 1 : 1, level + 1)}`;
    });
    return `{${parts.join(",\n" + " ".repeat(indent + 1))}}`;
  }
  if (Array.isArray(v)) {
    if (!v.length) return rep;
    const tupleOne = isTuple(v) && v.length === 1;
    const open = isTuple(v) ? "(" : "[";
    const close = isTuple(v) ? (tupleOne ? ",)" : ")") : "]";
    const parts = v.map((x, i) => format(x, indent + 1, i === v.length - 1 ? allowance + close.length : 1, level + 1));
    return `${open}${parts.join(",\n" + " ".repeat(indent + 1))}${close}`;
  }
  return rep;
}

export function pformat(v: unknown): string {
  return format(v, 0, 0, 0);
}
