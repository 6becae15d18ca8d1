// `data_extraction_model`: a JSON object mapping output field names to CakePHP hash paths
// (PROTOCOL §9). Each Splunk event then carries only those fields (MODULES §7.3).

import { extract, lintPath, type PathWarning } from "../../../engines/cakephp-hash/index.js";
import { newRegexBudget, RegexLimitError, type RegexBudget } from "../../../engines/regex/index.js";

export type ExtractionModel = ReadonlyArray<readonly [field: string, path: string]>;

export class ExtractionModelError extends Error {}

/**
 * Parses and checks the model; "" (unset) gives undefined. Paths are evaluated as CakePHP
 * evaluates them, whatever they look like; `onWarning` receives what looks like a mistake.
 */
export function parseExtractionModel(
  text: string,
  onWarning?: (field: string, path: string, warning: PathWarning) => void,
): ExtractionModel | undefined {
  if (text.trim() === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ExtractionModelError(`is not valid JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ExtractionModelError('must be a JSON object such as {"info": "Event.info"}');
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.length === 0) throw new ExtractionModelError("has no fields");
  const model: [string, string][] = [];
  for (const [field, path] of entries) {
    if (typeof path !== "string") throw new ExtractionModelError(`field "${field}": the hash path must be a string`);
    if (onWarning) for (const warning of lintPath(path)) onWarning(field, path, warning);
    model.push([field, path]);
  }
  return model;
}

/**
 * `{field: extract(payload, path)}`, a one-element result unwrapped to its element. A regex
 * condition that exceeds its matching bound is an ExtractionModelError naming the field.
 */
export function applyExtractionModel(
  model: ExtractionModel,
  payload: unknown,
  budget: RegexBudget = newRegexBudget(),
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, path] of model) {
    let value: unknown;
    try {
      value = extract(payload, path, budget);
    } catch (e) {
      if (e instanceof RegexLimitError) throw new ExtractionModelError(`field "${field}": hash path ${JSON.stringify(path)}: ${e.message}`);
      throw e;
    }
    out[field] = Array.isArray(value) && value.length === 1 ? value[0] : value;
  }
  return out;
}
