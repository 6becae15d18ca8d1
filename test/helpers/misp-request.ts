import { paramId } from "../../src/engines/cakephp-hash/inflector.js";

// The body MISP sends to /query for an action node. Imports nothing but the parameter naming,
// so a test file that needs only the body does not load the CLI (test/helpers/action-node.ts).

/**
 * POST /query body for `module` with every declared parameter ("" when not given), as MISP sends
 * it. `def` is the module's definition, or the list of its parameter names. The one builder of
 * MISP's action request in the tests: `extra` adds or overrides fields (`filteredItems`...).
 */
export function nodeRequest(
  module: string,
  def: { params: Record<string, unknown>; supportFilters?: boolean } | readonly string[],
  data: unknown,
  values: Record<string, string>,
  extra: Record<string, unknown> = {},
) {
  const names = Array.isArray(def) ? def : Object.keys((def as { params: Record<string, unknown> }).params);
  const params: Record<string, string> = {};
  for (const name of names) params[paramId(name)] = values[name] ?? "";
  if (Array.isArray(def)) return { module, data, params, ...extra };
  // support_filters: with no filter configured MISP sends the whole data as filteredItems.
  return { module, data, params, ...((def as { supportFilters?: boolean }).supportFilters ? { filteredItems: data } : {}), ...extra };
}
