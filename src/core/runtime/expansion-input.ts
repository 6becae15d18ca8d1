import { moduleSetting } from "../config.js";
import type { LoadedModule } from "../registry/registry.js";
import type { Services } from "./services.js";
import { SECRET_NAME_RE } from "../../services/secrets/scrub.js";
import type { SettingSpec } from "../../sdk/settings.js";

// Settings of an expansion: MISP sends `config` with null for unset values (docs/protocol.md#expansion-settings)
// and "Attach enrichment" sends the placeholder {"_": "_"} (docs/protocol.md#attach-enrichment).

export interface PreparedExpansionInput {
  config: Record<string, string | undefined>;
  attribute?: Record<string, unknown>;
  secretValues: string[];
}

export function prepareExpansionInput(mod: LoadedModule, body: Record<string, unknown>, services: Services): PreparedExpansionInput {
  if (mod.def.kind !== "expansion") throw new Error("not an expansion module");
  const sent =
    body.config && typeof body.config === "object" && !Array.isArray(body.config) ? (body.config as Record<string, unknown>) : {};
  const config: Record<string, string | undefined> = {};
  const secretValues: string[] = [];
  const settings = (mod.def.settings ?? {}) as Record<string, SettingSpec>;
  for (const [name, spec] of Object.entries(settings)) {
    const v = sent[name];
    let value = typeof v === "string" && v.trim() !== "" ? v.trim() : typeof v === "number" ? String(v) : undefined;
    value ??= moduleSetting(services.config, mod.name, name, services.env);
    value ??= spec.default;
    if (value !== undefined && services.secrets.isReference(value)) value = services.secrets.resolve(value);
    if (value !== undefined && (spec.secret || SECRET_NAME_RE.test(name))) secretValues.push(value);
    config[name] = value;
  }
  const attr = body.attribute;
  const attribute = attr && typeof attr === "object" && !Array.isArray(attr) ? (attr as Record<string, unknown>) : undefined;
  return { config, attribute, secretValues };
}
