import { z } from "zod";
import type { ModuleDefinition } from "../../sdk/types.js";

// Shape check of a module file's default export. Duck-typed on purpose: a custom module may
// have been written against another copy of the SDK, or none.

const fn = z.custom<(...args: unknown[]) => unknown>((v) => typeof v === "function", "must be a function");
const ParamSpecShape = z.looseObject({
  widget: z.enum(["string", "large_string", "hash_path"]),
  description: z.string(),
  placeholder: z.string().optional(),
  jinja: z.boolean(),
  secret: z.boolean(),
  required: z.boolean(),
  schema: z.custom<z.ZodType>((v) => !!v && typeof (v as { safeParse?: unknown }).safeParse === "function", "must be a zod schema"),
});
const Meta = z.looseObject({ description: z.string().min(1, "meta.description is required") });
const ServerSettingShape = z.looseObject({ description: z.string(), default: z.string().optional(), secret: z.boolean(), parse: fn });
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
  ...Limits,
});
const ExpansionShape = z.looseObject({
  kind: z.literal("expansion"),
  meta: Meta,
  moduleType: z.array(z.enum(["expansion", "hover"])).min(1),
  input: z.array(z.string()).min(1, "input must list at least one attribute type"),
  output: z.array(z.string()).optional(),
  format: z.literal("misp_standard").optional(),
  settings: z
    .record(z.string(), z.looseObject({ description: z.string(), default: z.string().optional(), secret: z.boolean() }))
    .optional(),
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
