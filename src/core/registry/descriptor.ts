import type { ParamSpec } from "../../sdk/params.js";
import type { ActionModuleDefinition, ExpansionModuleDefinition, ModuleDefinition, ModuleMeta } from "../../sdk/types.js";

// The /modules descriptor (docs/protocol.md#get-modules) derived from a module's declaration; nobody
// writes descriptor JSON by hand.

export interface ModuleDescriptor {
  name: string;
  type: "action_mod" | "expansion";
  mispattributes: Record<string, unknown>;
  meta: Record<string, unknown>;
}

const DEFAULT_AUTHOR = "misp-modules-ts";

function commonMeta(name: string, meta: ModuleMeta): Record<string, unknown> {
  return {
    version: meta.version ?? "1.0",
    author: meta.author ?? DEFAULT_AUTHOR,
    description: meta.description,
    "module-type": [] as string[],
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
  const meta = { ...commonMeta(name, def.meta), "module-type": ["action"], config };
  if (def.icon) Object.assign(meta, { icon: def.icon.name, icon_class: def.icon.class });
  // The reference mirrors meta.config here; MISP ignores it (kept for parity).
  return { name, type: "action_mod", mispattributes: { config }, meta };
}

export function expansionDescriptor(name: string, def: ExpansionModuleDefinition): ModuleDescriptor {
  const mispattributes: Record<string, unknown> = { input: [...def.input] };
  if (def.output) mispattributes.output = [...def.output];
  if (def.format) mispattributes.format = def.format;
  const meta = { ...commonMeta(name, def.meta), "module-type": [...def.moduleType] };
  // A list of setting names (docs/protocol.md#expansion-settings); MISP sends `config` only when it is non-empty.
  const settings = Object.keys(def.settings ?? {});
  (meta as Record<string, unknown>).config = settings;
  return { name, type: "expansion", mispattributes, meta };
}

export function buildDescriptor(name: string, def: ModuleDefinition): ModuleDescriptor {
  return def.kind === "action" ? actionDescriptor(name, def) : expansionDescriptor(name, def);
}
