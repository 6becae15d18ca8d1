/**
 * MISP's workflow filters (docs/protocol.md#filters): WorkflowBaseModule::getItemsMatchingCondition()
 * and evaluateCondition(), and the `filteredItems` value Module_misp_module::exec() sends.
 */
import { PhpTypeError, type WarningSink } from "./errors.js";
import { extractStrict } from "./extract.js";
import { looseEquals, looseInArray, phpSortValues } from "./loose-compare.js";
import type { PhpKey } from "./php-keys.js";
import { forEachEntry, isPhpArray, phpEmpty, type PhpMap } from "./php-value.js";
import { newRegexBudget, type RegexBudget } from "../regex/index.js";

export type FilterOperator = "in" | "not_in" | "equals" | "not_equals" | "any_value" | "in_or" | "in_and" | "not_in_or" | "not_in_and";

export const FILTER_OPERATORS: readonly FilterOperator[] = [
  "in",
  "not_in",
  "equals",
  "not_equals",
  "any_value",
  "in_or",
  "in_and",
  "not_in_or",
  "not_in_and",
];

/** A node's saved filter (`saved_filters`); MISP stores strings, the API may store lists for the in_* operators. */
export interface NodeFilter {
  readonly selector: string;
  readonly value: unknown;
  readonly operator: string;
  readonly path: string;
}

export interface KeptItem {
  /** The item's key in the selected items (its original position for a list). */
  readonly key: PhpKey;
  readonly item: unknown;
}

type PhpArrayLike = unknown[] | PhpMap | Record<string, unknown>;

/** WorkflowBaseModule::extractData(): the data itself for an empty path, else Hash::extract. */
function extractData(data: unknown, path: string, onWarning: WarningSink | undefined, budget: RegexBudget): unknown {
  if (phpEmpty(path)) return data;
  return extractStrict(data, path, onWarning, budget);
}

function valuesOf(array: PhpArrayLike): unknown[] {
  const out: unknown[] = [];
  forEachEntry(array, (_key, item) => {
    out.push(item);
  });
  return out;
}

/** `$array[0]` for the equals/not_equals shortcut (PHP yields null, with a warning, when missing). */
function firstElement(subItem: unknown): unknown {
  if (typeof subItem === "string") return subItem.length > 0 ? subItem[0] : null; // string offset
  if (!isPhpArray(subItem)) return null;
  let found: unknown = null;
  forEachEntry(subItem, (key, item) => {
    if (key === 0) {
      found = item;
      return false;
    }
    return true;
  });
  return found;
}

/** evaluateCondition($data, $operator, $value) with PHP's loose comparisons. */
export function evaluateCondition(data: unknown, operator: string, value: unknown): boolean {
  switch (operator) {
    case "in":
      return isPhpArray(data) && looseInArray(value, data);
    case "not_in":
      return isPhpArray(data) && !looseInArray(value, data);
    case "equals":
      return !isPhpArray(data) && looseEquals(data, value);
    case "not_equals":
      return !isPhpArray(data) && !looseEquals(data, value);
    case "in_or":
    case "in_and":
    case "not_in_or":
    case "not_in_and": {
      if (!isPhpArray(data) || !isPhpArray(value)) return false;
      // array_filter keeps the elements of $data found (loosely) in $value, in data order.
      const matching = valuesOf(data).filter((item) => looseInArray(item, value));
      if (operator === "in_or") return matching.length > 0;
      if (operator === "not_in_or") return matching.length === 0;
      // Both compare with loose array equality (`==`) after array_values(): positions matter,
      // element types do not. in_and sorts both sides first, not_in_and does not (order bug).
      if (operator === "in_and") return looseEquals(phpSortValues(matching), phpSortValues(value));
      return !looseEquals(matching, valuesOf(value));
    }
    default:
      return false;
  }
}

/**
 * getItemsMatchingCondition($items, $value, $operator, $path): the surviving entries of
 * `items` with their original keys. Throws PhpTypeError where MISP's PHP would (a non-empty
 * path applied to a scalar item, a regex condition meeting an array).
 */
export function getItemsMatchingCondition(
  items: unknown,
  value: unknown,
  operator: string,
  path: string,
  onWarning?: WarningSink,
  budget: RegexBudget = newRegexBudget(),
): KeptItem[] {
  if (!isPhpArray(items))
    throw new PhpTypeError(`foreach() argument must be of type array|object, ${items === null ? "null" : typeof items} given`);
  const kept: KeptItem[] = [];
  forEachEntry(items, (key, item) => {
    let subItem = extractData(item, path, onWarning, budget);
    if (operator === "equals" || operator === "not_equals") {
      subItem = phpEmpty(subItem) ? subItem : firstElement(subItem);
    }
    if (operator === "any_value" && !phpEmpty(subItem)) kept.push({ key, item });
    else if (evaluateCondition(subItem, operator, value)) kept.push({ key, item });
  });
  return kept;
}

export interface FilterEvaluation {
  /** extract(data, selector), or the data itself for an empty selector. */
  readonly items: unknown;
  readonly kept: KeptItem[];
}

/** Applies a node filter to roaming data: selector, then the per-item path/operator/value test. */
export function evaluateFilter(data: unknown, filter: NodeFilter, onWarning?: WarningSink): FilterEvaluation {
  // One regex budget for the selector and every item's path together.
  const budget = newRegexBudget();
  const items = extractData(data, filter.selector ?? "", onWarning, budget);
  return { items, kept: getItemsMatchingCondition(items, filter.value, filter.operator ?? "", filter.path ?? "", onWarning, budget) };
}

/**
 * The PHP array made of kept entries, shaped like json_encode prints it: a list when the
 * keys are 0..n-1 in order; otherwise a plain object keyed by position, or a Map when a
 * string key would be reordered by JS (e.g. keys ["ip", 7]).
 */
export function keptItemsToPhpValue(kept: readonly KeptItem[]): unknown {
  if (kept.every((entry, index) => entry.key === index)) return kept.map((entry) => entry.item);
  let lastInt = -Infinity;
  let seenString = false;
  let orderSafe = true;
  for (const { key } of kept) {
    if (typeof key === "string") seenString = true;
    else {
      if (seenString || key < lastInt || key < 0) orderSafe = false;
      lastInt = key;
    }
  }
  if (!orderSafe) return new Map(kept.map((entry) => [entry.key, entry.item]));
  const out: Record<string, unknown> = {};
  for (const { key, item } of kept)
    Object.defineProperty(out, String(key), { value: item, enumerable: true, writable: true, configurable: true });
  return out;
}

/**
 * What MISP puts in `filteredItems` for a node with `support_filters` (docs/protocol.md#action-request):
 * the kept items (list or position-keyed object), or the whole data when none survive
 * (which is also the case with no filter configured).
 */
export function filterItemsAsMispSends(data: unknown, filter: NodeFilter | null | undefined, onWarning?: WarningSink): unknown {
  const effective: NodeFilter = filter ?? { selector: "", value: "", operator: "", path: "" };
  const { kept } = evaluateFilter(data, effective, onWarning);
  return kept.length > 0 ? keptItemsToPhpValue(kept) : data;
}
