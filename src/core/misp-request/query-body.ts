/**
 * The /query body MISP sends for a misp-module workflow node (docs/protocol.md#action-request,
 * Module_misp_module::exec), built from the node definition, the roaming data, the values
 * stored in the node and its saved filter.
 */
import { extractStrict } from "../../engines/cakephp-hash/extract.js";
import { filterItemsAsMispSends, type NodeFilter } from "../../engines/cakephp-hash/filters.js";
import { isJsArrayIndex, normalizeKey } from "../../engines/cakephp-hash/php-keys.js";
import { phpEmpty } from "../../engines/cakephp-hash/php-value.js";
import type { WarningSink } from "../../engines/cakephp-hash/errors.js";
import { RegexLimitError } from "../../engines/regex/index.js";
import type { NodeDefinition } from "./node-definition.js";

/** Renders a jinja_supported value against the roaming data; "" when the template raised an error (as MISP does). */
export type JinjaRenderer = (template: string, data: unknown) => Promise<string>;

export interface ActionQueryInput {
  readonly node: NodeDefinition;
  /** The roaming data (plain JSON values or the order-preserving model of parsePhpJson). */
  readonly data: unknown;
  /** Values stored in the node, keyed by parameter id; missing ones are sent as "". */
  readonly values?: Readonly<Record<string, string>>;
  /** The node's saved filter (only used when the module supports filters). */
  readonly filter?: NodeFilter | null;
  /** Pre-renders jinja_supported values (MISP calls jinja_template_rendering); omitted = raw values. */
  readonly renderJinja?: JinjaRenderer;
  readonly onWarning?: WarningSink;
  /**
   * Recent MISP versions render Jinja parameters against the roaming data plus
   * `_env: {baseurl: MISP.baseurl}`; set this to reproduce that (omitted: the data as is).
   */
  readonly mispBaseUrl?: string;
  /**
   * Recent MISP versions add `timeout` (Plugin.Action_timeout, default 10 s) to every /query
   * body they send; set this to reproduce that (omitted: no `timeout` field).
   */
  readonly timeoutSeconds?: number;
}

/** The template context MISP uploads to jinja_template_rendering. */
function jinjaContext(data: unknown, mispBaseUrl: string | undefined): unknown {
  if (mispBaseUrl === undefined) return data;
  const env = { baseurl: mispBaseUrl };
  if (data instanceof Map) return new Map([...data, ["_env", env]]);
  if (typeof data === "object" && data !== null && !Array.isArray(data)) return { ...(data as Record<string, unknown>), _env: env };
  if (Array.isArray(data) && data.length === 0) return { _env: env };
  // A PHP list gains a string key: keep positions as keys, in order.
  return new Map<string | number, unknown>([
    ...(data as unknown[]).map((item, index) => [index, item] as [number, unknown]),
    ["_env", env],
  ]);
}

/**
 * MISP builds `params` with Hash::combine($indexedParams, '{s}.id', '{s}.value'): an id that
 * PHP turns into an integer key ("0", "42") is not matched by {s} and is left out (docs/protocol.md#workflow-node).
 */
function isDroppedId(id: string): boolean {
  return typeof normalizeKey(id) === "number";
}

/** An ordered string-keyed PHP array: a plain object unless JS would reorder a key. */
function orderedRecord(entries: Array<[string, unknown]>): Record<string, unknown> | Map<string, unknown> {
  if (entries.some(([key]) => isJsArrayIndex(key) || key === "__proto__")) return new Map(entries);
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) out[key] = value;
  return out;
}

/**
 * Builds the body. Throws PhpTypeError where MISP's PHP would abort the workflow run
 * (a filter path or hash-path parameter whose regex condition meets a list/object).
 */
export async function buildActionQueryBody(input: ActionQueryInput): Promise<Record<string, unknown>> {
  const { node, data } = input;
  const body: Record<string, unknown> = { module: node.moduleName, data };

  if (node.supportFilters) {
    const filter = input.filter ?? { selector: "", value: "", operator: "", path: "" };
    try {
      body.filteredItems = filterItemsAsMispSends(data, filter, input.onWarning);
    } catch (e) {
      if (e instanceof RegexLimitError)
        throw new RegexLimitError(
          `filter (selector ${JSON.stringify(filter.selector)}, path ${JSON.stringify(filter.path)}): ${e.message}`,
        );
      throw e;
    }
  }

  // getParamsWithValues(): the stored value or "", Jinja-rendered when supported and non-empty.
  const values = new Map<string, string>();
  for (const param of node.params) {
    let value = input.values?.[param.id] ?? "";
    if (param.jinjaSupported && value !== "" && input.renderJinja)
      value = await input.renderJinja(value, jinjaContext(data, input.mispBaseUrl));
    values.set(param.id, value);
  }
  const params = [...values].filter(([id]) => !isDroppedId(id));
  // An empty PHP array is encoded as [] (docs/protocol.md#php-json).
  body.params = params.length === 0 ? [] : orderedRecord(params);

  // matchingData reads every parameter's value, including those left out of `params`.
  const matching: Array<[string, unknown]> = [];
  for (const param of node.params) {
    if (!param.isHashPath) continue;
    const path = values.get(param.id) ?? "";
    let extracted: unknown;
    try {
      extracted = phpEmpty(path) ? data : extractStrict(data, path, input.onWarning);
    } catch (e) {
      if (e instanceof RegexLimitError)
        throw new RegexLimitError(`parameter "${param.label}", hash path ${JSON.stringify(path)}: ${e.message}`);
      throw e;
    }
    const existing = matching.findIndex(([label]) => label === param.label);
    if (existing >= 0) matching[existing] = [param.label, extracted];
    else matching.push([param.label, extracted]);
  }
  if (matching.length > 0) body.matchingData = orderedRecord(matching);
  if (input.timeoutSeconds !== undefined) body.timeout = Math.trunc(input.timeoutSeconds);
  return body;
}
