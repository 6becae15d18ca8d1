import type { ParamSpec } from "./params.js";
import type { ServerSettingSpec } from "./server-settings.js";
import type { SettingSpec } from "./settings.js";
import type { ActionModuleDefinition, ExpansionModuleDefinition } from "./types.js";

// Identity helpers: they exist for the types (completion and checking in module files).
// The registry validates the shape at load time, so a module built with another copy of
// this package, or with none, works the same.

export function defineActionModule<
  P extends Record<string, ParamSpec>,
  SS extends Record<string, ServerSettingSpec> = Record<never, ServerSettingSpec>,
>(def: Omit<ActionModuleDefinition<P, SS>, "kind">): ActionModuleDefinition<P, SS> {
  return { kind: "action", ...def };
}

export function defineExpansionModule<
  S extends Record<string, SettingSpec> = Record<never, SettingSpec>,
  SS extends Record<string, ServerSettingSpec> = Record<never, ServerSettingSpec>,
>(def: Omit<ExpansionModuleDefinition<S, SS>, "kind">): ExpansionModuleDefinition<S, SS> {
  return { kind: "expansion", ...def };
}
