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
}

export function parseConditions(text: string): ParsedConditions {
  const conditions: Condition[] = [];
  let unparsed = "";
  let last = 0;
  CONDITION.lastIndex = 0;
  for (let match = CONDITION.exec(text); match !== null; match = CONDITION.exec(text)) {
    unparsed += text.slice(last, match.index);
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
  unparsed += text.slice(last);
  return { conditions, unparsed };
}
