/**
 * Parsing of the `[...]` condition groups of a Hash path token, with the same pattern
 * CakePHP's Hash::_matches() applies via preg_match_all. Groups the pattern does not
 * match are silently ignored (PHP behaviour); `unparsed` reports them for validation.
 */
import { normalizeKey, type PhpKey } from "./php-keys.js";
import { compilePcre, type CompiledPcre } from "./pcre.js";
import { isNumericString } from "./php-numeric.js";

export type ConditionOperator = "=" | "!=" | ">" | "<" | ">=" | "<=";

export interface Condition {
  /** Attribute name as written, and as PHP normalises it when used as an array key. */
  readonly attr: string;
  readonly key: PhpKey;
  /** null for a presence test `[attr]`. */
  readonly op: ConditionOperator | null;
  readonly value: string | null;
  /** `is_numeric($val)`: decides how boolean properties are stringified. */
  readonly valueIsNumeric: boolean;
  /** Set for `[attr=/regex/flags]`. */
  readonly regex: CompiledPcre | null;
}

// PCRE \s without the u flag is exactly these six bytes.
const CONDITION = /\[(?<attr>[^=><!]+?)(?:[ \t\n\x0B\f\r]*(?<op>[><!]?=|[><])[ \t\n\x0B\f\r]*(?<val>\/[^\n]*?\/|[^\]]+))?\]/g;

export interface ParsedConditions {
  readonly conditions: Condition[];
  /** Text of the bracket string not covered by any recognised group (empty when fully parsed). */
  readonly unparsed: string;
  /** The same text as pieces, with their offset in the bracket string (for warnings). */
  readonly unparsedChunks: ReadonlyArray<{ readonly text: string; readonly offset: number }>;
  /** Offset of each condition's group in the bracket string, in order. */
  readonly offsets: readonly number[];
}

export function parseConditions(text: string): ParsedConditions {
  const conditions: Condition[] = [];
  const unparsedChunks: Array<{ text: string; offset: number }> = [];
  const offsets: number[] = [];
  let last = 0;
  CONDITION.lastIndex = 0;
  for (let match = CONDITION.exec(text); match !== null; match = CONDITION.exec(text)) {
    if (match.index > last) unparsedChunks.push({ text: text.slice(last, match.index), offset: last });
    offsets.push(match.index);
    last = match.index + match[0].length;
    const groups = match.groups!;
    const attr = groups.attr!;
    const op = (groups.op ?? null) as ConditionOperator | null;
    const value = groups.val ?? null;
    const isRegex = op === "=" && value !== null && value !== "0" && value[0] === "/";
    conditions.push({
      attr,
      key: normalizeKey(attr),
      op,
      value,
      valueIsNumeric: value !== null && isNumericString(value),
      regex: isRegex ? compilePcre(value!) : null,
    });
  }
  if (last < text.length) unparsedChunks.push({ text: text.slice(last), offset: last });
  return { conditions, unparsed: unparsedChunks.map((chunk) => chunk.text).join(""), unparsedChunks, offsets };
}
