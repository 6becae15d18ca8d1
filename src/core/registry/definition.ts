import { z } from "zod";
import type { ParamSpec } from "../../sdk/params.js";
import type { ServerSettingSpec } from "../../sdk/server-settings.js";
import type { SettingSpec } from "../../sdk/settings.js";
import type { ActionModuleDefinition, ExpansionModuleDefinition, ModuleDefinition, OutboundSpec } from "../../sdk/types.js";

// Shape check of a module file's default export. Duck-typed on purpose: a custom module may
// have been written against another copy of the SDK, or none.
//
// The declaration's shape has one source, the SDK's interfaces (src/sdk/types.ts); these
// schemas follow it. They cannot be its source: z.infer has no generics, so a handler would
// lose the types of its params, settings and `ctx.settings`. Instead the assertions at the
// end of this file make `tsc` fail when a field is declared on one side only, or when a
// declaration the SDK accepts would not pass the check here.

// never[]: any function, whatever its parameters, is one.
const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === "function", "must be a function");
const ParamSpecShape = z.looseObject({
  // Read with a fallback to the widget (declarations made before kinds existed).
  kind: z.string().optional(),
  widget: z.enum(["string", "large_string", "hash_path"]),
  description: z.string(),
  placeholder: z.string().optional(),
  jinja: z.boolean(),
  secret: z.boolean(),
  required: z.boolean(),
  schema: z.custom<z.ZodType>((v) => !!v && typeof (v as { safeParse?: unknown }).safeParse === "function", "must be a zod schema"),
});
const Meta = z.looseObject({ description: z.string().min(1, "meta.description is required") });
const ServerSettingShape = z.looseObject({
  // Listings show "text" when it is missing.
  kind: z.string().optional(),
  description: z.string(),
  default: z.string().optional(),
  secret: z.boolean(),
  min: z.number().optional(),
  max: z.number().optional(),
  choices: z.array(z.string()).readonly().optional(),
  parse: fn,
});
const SettingShape = z.looseObject({ description: z.string(), default: z.string().optional(), secret: z.boolean() });
const OutboundShape = z.looseObject({
  destination: fn.optional(),
  validate: fn.optional(),
  retry: z.looseObject({ maxAttempts: z.number().optional(), maxAgeMs: z.number().optional() }).optional(),
  limits: z.looseObject({ concurrency: z.number().optional(), perMinute: z.number().optional() }).optional(),
  retryAfterMs: fn.optional(),
});
const Limits = {
  timeoutMs: z.number().int().positive().optional(),
  init: fn.optional(),
  handler: fn,
  serverSettings: z.record(z.string(), ServerSettingShape).optional(),
};

const ActionShape = z.looseObject({
  kind: z.literal("action"),
  meta: Meta,
  params: z.record(z.string(), ParamSpecShape),
  icon: z.object({ name: z.string().min(1), class: z.enum(["fas", "fab", "far"]) }).optional(),
  blocking: z.boolean().optional(),
  supportFilters: z.boolean().optional(),
  expectMispCoreFormat: z.boolean().optional(),
  outbound: OutboundShape.optional(),
  ...Limits,
});
const ExpansionShape = z.looseObject({
  kind: z.literal("expansion"),
  meta: Meta,
  moduleType: z.array(z.enum(["expansion", "hover"])).min(1),
  input: z.array(z.string()).min(1, "input must list at least one attribute type"),
  output: z.array(z.string()).optional(),
  format: z.literal("misp_standard").optional(),
  settings: z.record(z.string(), SettingShape).optional(),
  errorReply: fn.optional(),
  ...Limits,
});
const DefinitionShape = z.discriminatedUnion("kind", [ActionShape, ExpansionShape]);

/** Returns the module definition exported by a module file, or throws with what is wrong. */
export function definitionFromExports(exports: unknown): ModuleDefinition {
  const candidate = (exports as { default?: unknown } | null)?.default ?? exports;
  const parsed = DefinitionShape.safeParse(candidate);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join(".") || "export"}: ${i.message}`).join("; ");
    throw new Error(`not a module definition (export default defineActionModule(...) or defineExpansionModule(...)): ${why}`);
  }
  // Return the original object so schemas and handlers keep their identity.
  return candidate as ModuleDefinition;
}

// ---- The schemas above against the SDK's interfaces (checked by tsc; nothing runs). ----

/** `true` when A and B name the same keys; otherwise the keys found on one side only. */
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never]
  ? true
  : { onlyInSdk: Exclude<keyof A, keyof B>; onlyInSchema: Exclude<keyof B, keyof A> };
/**
 * A schema's static type without the `[key: string]: unknown` that looseObject adds (an SDK
 * interface has no index signature, so it would never match); records of shapes stay.
 */
type Declared<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly unknown[]
    ? { [I in keyof T]: Declared<T[I]> }
    : T extends object
      ? { [K in keyof T as string extends K ? (unknown extends T[K] ? never : K) : K]: Declared<T[K]> }
      : T;
/** `true` when every declaration of type T passes schema S (as far as types can tell). */
type Passes<T, S extends z.ZodType> = [T] extends [Declared<z.input<S>>] ? true : { rejected: T };
type ShapeOf<S extends { shape: object }> = S["shape"];

// Meta is checked for its one required field only: the rest is informational.
const declarationChecks: {
  actionKeys: SameKeys<ActionModuleDefinition, ShapeOf<typeof ActionShape>>;
  expansionKeys: SameKeys<ExpansionModuleDefinition, ShapeOf<typeof ExpansionShape>>;
  paramKeys: SameKeys<ParamSpec, ShapeOf<typeof ParamSpecShape>>;
  settingKeys: SameKeys<SettingSpec, ShapeOf<typeof SettingShape>>;
  serverSettingKeys: SameKeys<ServerSettingSpec, ShapeOf<typeof ServerSettingShape>>;
  outboundKeys: SameKeys<OutboundSpec, ShapeOf<typeof OutboundShape>>;
  actionPasses: Passes<ActionModuleDefinition, typeof ActionShape>;
  expansionPasses: Passes<ExpansionModuleDefinition, typeof ExpansionShape>;
} = {
  actionKeys: true,
  expansionKeys: true,
  paramKeys: true,
  settingKeys: true,
  serverSettingKeys: true,
  outboundKeys: true,
  actionPasses: true,
  expansionPasses: true,
};
void declarationChecks;
