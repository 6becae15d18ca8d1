/** Parsing of the `query` command's --filter and --param arguments. */
import type { NodeFilter } from "../../engines/cakephp-hash/filters.js";

const FILTER_FIELDS = ["selector", "value", "operator", "path"] as const;

/**
 * "selector=Event._AttributeFlattened.{n},operator=in,value=tlp:red,path=Tag.{n}.name".
 * A comma only separates fields when a field name and '=' follow it, so paths and values
 * may contain commas. A value written as a JSON list (`value=["a","b"]`) is used as a list,
 * as the in_or/in_and/not_in_or/not_in_and operators need (MISP's dialog stores strings).
 */
export function parseFilterSpec(spec: string): NodeFilter {
  const fields: Record<string, string> = { selector: "", value: "", operator: "", path: "" };
  const boundary = new RegExp(`(?:^|,)(${FILTER_FIELDS.join("|")})=`, "g");
  const starts: Array<{ name: string; at: number; valueAt: number }> = [];
  for (let m = boundary.exec(spec); m !== null; m = boundary.exec(spec)) {
    starts.push({ name: m[1]!, at: m.index, valueAt: m.index + m[0].length });
  }
  if (starts.length === 0 || starts[0]!.at !== 0) {
    throw new Error(`invalid --filter ${JSON.stringify(spec)}: expected selector=...,value=...,operator=...,path=...`);
  }
  const seen = new Set<string>();
  starts.forEach((start, index) => {
    if (seen.has(start.name)) throw new Error(`invalid --filter: "${start.name}" given twice`);
    seen.add(start.name);
    const end = index + 1 < starts.length ? starts[index + 1]!.at : spec.length;
    fields[start.name] = spec.slice(start.valueAt, end);
  });
  let value: unknown = fields.value;
  if (/^\s*\[/.test(fields.value!)) {
    try {
      const parsed: unknown = JSON.parse(fields.value!);
      if (Array.isArray(parsed)) value = parsed;
    } catch {
      // Not JSON: keep the text, as MISP's dialog would store it.
    }
  }
  return { selector: fields.selector!, value, operator: fields.operator!, path: fields.path! };
}

/** "NAME=VALUE" (the first '=' separates; the value may contain '=' and be empty). */
export function parseParamAssignment(assignment: string): { name: string; value: string } {
  const eq = assignment.indexOf("=");
  if (eq <= 0) throw new Error(`invalid --param ${JSON.stringify(assignment)}: expected NAME=VALUE`);
  return { name: assignment.slice(0, eq), value: assignment.slice(eq + 1) };
}
