// `data_extraction_model`: a JSON object mapping output field names to CakePHP hash paths
// (PROTOCOL §9). Each Splunk event then carries only those fields (MODULES §7.3).

import { extract, isValidPath } from "../hashpath/index.js";

export type ExtractionModel = ReadonlyArray<readonly [field: string, path: string]>;

export class ExtractionModelError extends Error {}

/** Parses and checks the model; "" (unset) gives undefined. */
export function parseExtractionModel(text: string): ExtractionModel | undefined {
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
    const validity = isValidPath(path);
    if (!validity.ok) throw new ExtractionModelError(`field "${field}": ${validity.error}`);
    model.push([field, path]);
  }
  return model;
}

/** `{field: extract(payload, path)}`, a one-element result unwrapped to its element. */
export function applyExtractionModel(model: ExtractionModel, payload: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, path] of model) {
    const value = extract(payload, path);
    out[field] = Array.isArray(value) && value.length === 1 ? value[0] : value;
  }
  return out;
}
