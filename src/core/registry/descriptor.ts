import type { z } from "zod";
import type { ModuleDescriptorSchema } from "../protocol/schemas.js";
import type { ParamSpec } from "../../sdk/params.js";
import type { ActionModuleDefinition, ExpansionModuleDefinition, ModuleDefinition, ModuleMeta } from "../../sdk/types.js";

// The /modules descriptor (docs/protocol.md#get-modules) derived from a module's declaration; nobody
// writes descriptor JSON by hand.

/** Its shape is declared once, as the zod schema that also documents GET /modules in /openapi.json. */
export type ModuleDescriptor = z.infer<typeof ModuleDescriptorSchema>;
type DescriptorMeta = ModuleDescriptor["meta"];
// Pick, not Omit: Omit over the schema's index signature (looseObject) would drop every named key.
type CommonMeta = Pick<
  DescriptorMeta,
  "version" | "author" | "description" | "module-type" | "name" | "logo" | "requirements" | "features" | "references" | "input" | "output"
>;

const DEFAULT_AUTHOR = "misp-modules-ts";

/** Keys in the reference's order (kept: /modules output stays byte-identical). */
function commonMeta(name: string, meta: ModuleMeta, moduleType: DescriptorMeta["module-type"]): CommonMeta {
  return {
    version: meta.version ?? "1.0",
    author: meta.author ?? DEFAULT_AUTHOR,
    description: meta.description,
    "module-type": moduleType,
    name:
      meta.name ??
      name
        .split("_")
        .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
        .join(" "),
    logo: meta.logo ?? "",
    requirements: meta.requirements ?? [],
    features: meta.features ?? "",
    references: meta.references ?? [],
    input: meta.input ?? "",
    output: meta.output ?? "",
  };
}

function paramDescriptor(p: ParamSpec): Record<string, unknown> {
  const d: Record<string, unknown> = { type: p.widget, description: p.description };
  if (p.placeholder !== undefined && p.placeholder !== "") d.value = p.placeholder;
  if (p.jinja) d.jinja_supported = true;
  return d;
}

export function actionDescriptor(name: string, def: ActionModuleDefinition): ModuleDescriptor {
  const params: Record<string, unknown> = {};
  for (const [pname, spec] of Object.entries(def.params)) params[pname] = paramDescriptor(spec as ParamSpec);
  const config = {
    params,
    blocking: def.blocking ?? false,
    support_filters: def.supportFilters ?? false,
    expect_misp_core_format: def.expectMispCoreFormat ?? false,
  };
  const meta: DescriptorMeta = { ...commonMeta(name, def.meta, ["action"]), config };
  if (def.icon) Object.assign(meta, { icon: def.icon.name, icon_class: def.icon.class });
  // The reference mirrors meta.config here; MISP ignores it (kept for parity).
  return { name, type: "action_mod", mispattributes: { config }, meta };
}

export function expansionDescriptor(name: string, def: ExpansionModuleDefinition): ModuleDescriptor {
  const mispattributes: Record<string, unknown> = { input: [...def.input] };
  if (def.output) mispattributes.output = [...def.output];
  if (def.format) mispattributes.format = def.format;
  // config: a list of setting names (docs/protocol.md#expansion-settings); MISP sends `config` only when it is non-empty.
  const meta: DescriptorMeta = { ...commonMeta(name, def.meta, [...def.moduleType]), config: Object.keys(def.settings ?? {}) };
  return { name, type: "expansion", mispattributes, meta };
}

export function buildDescriptor(name: string, def: ModuleDefinition): ModuleDescriptor {
  return def.kind === "action" ? actionDescriptor(name, def) : expansionDescriptor(name, def);
}
