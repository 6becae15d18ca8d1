export { defineActionModule, defineExpansionModule } from "./define.js";
export { param } from "./params.js";
export type { ParamKind, ParamSpec, ParamValues, ParamWidget } from "./params.js";
export { setting } from "./settings.js";
export type { SettingSpec } from "./settings.js";
export { isModuleError, ModuleError, ParamError } from "./errors.js";
export type * from "./types.js";
export { HttpError, isHttpError } from "../services/http/types.js";
export type { HttpClient, HttpRequestOptions, HttpResponse } from "../services/http/types.js";
