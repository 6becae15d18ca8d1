import { type ServerSettingFacts, serverSettingEnvName, settingList } from "../../sdk/server-settings.js";

// The server settings a module declares (docs/writing-modules.md#server-settings), as the JSON
// Schema of an object whose properties are the settings: what /openapi.json lists under
// `components.schemas["ServerSettings.<module>"]`, one per module that declares any, and in its
// `x-server-settings` map (module → $ref). Each property says its type, default, bounds, whether
// it is a secret, its config-file key and its environment variable.

export type JsonSchema = Record<string, unknown>;

/** The default as a JSON value of the setting's type (declarations keep it as the listed text). */
function typedDefault(s: ServerSettingFacts): unknown {
  if (s.default === undefined) return undefined;
  switch (s.kind) {
    case "integer":
      return Number(s.default);
    case "boolean":
      return s.default === "true";
    case "list":
      return [...settingList(s.default)];
    default:
      return s.default;
  }
}

function typeOf(s: ServerSettingFacts): JsonSchema {
  switch (s.kind) {
    case "integer":
      return { type: "integer", minimum: s.min ?? 0, ...(s.max === undefined ? {} : { maximum: s.max }) };
    case "boolean":
      return { type: "boolean" };
    case "list":
      return { type: "array", items: { type: "string" } };
    case "one_of":
      return { type: "string", ...(s.choices ? { enum: [...s.choices] } : {}) };
    case "secret":
      return { type: "string", format: "password", writeOnly: true };
    default:
      return { type: "string" };
  }
}

export function serverSettingsSchema(module: string, specs: Readonly<Record<string, ServerSettingFacts>>): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [key, s] of Object.entries(specs)) {
    const dflt = typedDefault(s);
    properties[key] = {
      ...typeOf(s),
      description: s.description,
      ...(dflt === undefined ? {} : { default: dflt }),
      "x-kind": s.kind ?? "text",
      "x-secret": s.secret === true,
      "x-config-key": `modules.${module}.${key}`,
      "x-environment-variable": serverSettingEnvName(module, key),
    };
  }
  return {
    type: "object",
    description:
      `Server settings of ${module}: set by the server's operator in the config file (modules.${module}.<key>) ` +
      "or the environment, never by MISP. A bad value fails the module at load.",
    properties,
  };
}

/** Component name of a module's server settings in /openapi.json. */
export const serverSettingsComponent = (module: string) => `ServerSettings.${module}`;

/**
 * What /openapi.json adds for the modules' server settings: the schema components and the
 * `x-server-settings` map. Modules that declare none are left out.
 */
export function serverSettingsDocument(modules: readonly { name: string; def: { serverSettings?: unknown } }[]): {
  schemas: Record<string, JsonSchema>;
  index: Record<string, { $ref: string }>;
} {
  const schemas: Record<string, JsonSchema> = {};
  const index: Record<string, { $ref: string }> = {};
  for (const m of [...modules].sort((a, b) => a.name.localeCompare(b.name))) {
    const specs = (m.def.serverSettings ?? {}) as Record<string, ServerSettingFacts>;
    if (Object.keys(specs).length === 0) continue;
    const name = serverSettingsComponent(m.name);
    schemas[name] = serverSettingsSchema(m.name, specs);
    index[m.name] = { $ref: `#/components/schemas/${name}` };
  }
  return { schemas, index };
}
