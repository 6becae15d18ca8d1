import type { ParamSpec } from "./params.js";
import type { SettingSpec } from "./settings.js";
import type { ActionModuleDefinition, ExpansionModuleDefinition } from "./types.js";

// Identity helpers: they exist for the types (completion and checking in module files).
// The registry validates the shape at load time, so a module built with another copy of
// this package, or with none, works the same.

export function defineActionModule<P extends Record<string, ParamSpec>>(
  def: Omit<ActionModuleDefinition<P>, "kind">,
): ActionModuleDefinition<P> {
  return { kind: "action", ...def };
}

export function defineExpansionModule<S extends Record<string, SettingSpec> = Record<never, SettingSpec>>(
  def: Omit<ExpansionModuleDefinition<S>, "kind">,
): ExpansionModuleDefinition<S> {
  return { kind: "expansion", ...def };
}
