import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { moduleReferenceMarkdown } from "../../../src/core/introspection/module-reference.js";
import { moduleTableMarkdown, serverSettingKeys } from "../../../src/core/introspection/module-table.js";
import { startTestApp, type TestApp } from "../../helpers/app.js";
import { tempModuleRoot, writeModule } from "../../sdk/module-files.js";

// Declared server settings (docs/writing-modules.md#server-settings) are listed in /openapi.json
// as one schema component per module, with type, default, bounds, config key and environment
// variable; custom modules running in isolates declare, are checked and are listed the same way.

const tmp = tempModuleRoot("mmts-settings-openapi-");
writeModule(
  tmp.root,
  "expansion/probe_settings.ts",
  `import { defineExpansionModule, serverSetting } from "misp-modules-ts";
export default defineExpansionModule({
  meta: { description: "server settings probe" },
  moduleType: ["expansion"],
  input: ["domain"],
  serverSettings: {
    limit: serverSetting.integer({ min: 1, max: 10, default: 5, description: "Values at most." }),
    mode: serverSetting.oneOf(["fast", "slow"], { default: "fast", description: "Mode." }),
    verify: serverSetting.boolean({ default: true, description: "Verify TLS." }),
    hosts: serverSetting.list({ description: "Hosts." }),
    token: serverSetting.secret({ description: "API token." }),
  },
  handler(_input, ctx) {
    return { results: [{ types: ["text"], values: [String(ctx.settings.limit), ctx.settings.mode] }] };
  },
});
`,
);
writeModule(
  tmp.root,
  "expansion/bad_settings.ts",
  `import { defineExpansionModule, serverSetting } from "misp-modules-ts";
export default defineExpansionModule({
  meta: { description: "a module whose configured server setting is wrong" },
  moduleType: ["expansion"],
  input: ["domain"],
  serverSettings: { limit: serverSetting.integer({ min: 1, default: 5, description: "Values at most." }) },
  handler() {
    return { results: [] };
  },
});
`,
);

const TOKEN = "tok-3f9a-never-listed";
let t: TestApp;
let doc: {
  components: { schemas: Record<string, { properties: Record<string, Record<string, unknown>> }> };
  "x-server-settings": Record<string, { $ref: string }>;
};

beforeAll(async () => {
  t = await startTestApp(
    { custom: [tmp.root], modules: { probe_settings: { limit: 7, token: TOKEN } } },
    { env: { MISP_MODULES_BAD_SETTINGS_LIMIT: "0" } },
  );
  doc = (await (await fetch(`${t.url}/openapi.json`)).json()) as typeof doc;
});
afterAll(async () => {
  await t?.close();
  tmp.remove();
});

describe("server settings in /openapi.json", () => {
  it("one component per module that declares any, referenced from x-server-settings", () => {
    expect(doc["x-server-settings"].hashlookup).toEqual({ $ref: "#/components/schemas/ServerSettings.hashlookup" });
    expect(doc["x-server-settings"].probe_settings).toEqual({ $ref: "#/components/schemas/ServerSettings.probe_settings" });
    const declaring = t.app.registry
      .all()
      .filter((m) => Object.keys(m.def.serverSettings ?? {}).length > 0)
      .map((m) => m.name)
      .sort();
    expect(Object.keys(doc["x-server-settings"]).sort()).toEqual(declaring);
    expect(declaring).not.toContain("testaction");
  });

  it("a built-in setting: JSON type, typed default, bounds, config key and environment variable", () => {
    const ttl = doc.components.schemas["ServerSettings.hashlookup"]!.properties.cache_ttl_seconds!;
    expect(ttl).toMatchObject({
      type: "integer",
      default: 300,
      minimum: 0,
      "x-kind": "integer",
      "x-secret": false,
      "x-config-key": "modules.hashlookup.cache_ttl_seconds",
      "x-environment-variable": "MISP_MODULES_HASHLOOKUP_CACHE_TTL_SECONDS",
    });
    expect(String(ttl.description)).toMatch(/0 turns the cache off/);
    // dns declares its own pace: its defaults are listed.
    expect(doc.components.schemas["ServerSettings.dns"]!.properties.rate_limit_per_minute!.default).toBe(600);
  });

  it("an isolated custom module's settings are listed like a built-in's, without configured values", () => {
    const p = doc.components.schemas["ServerSettings.probe_settings"]!.properties;
    expect(p.limit).toMatchObject({ type: "integer", minimum: 1, maximum: 10, default: 5 });
    expect(p.mode).toMatchObject({ type: "string", enum: ["fast", "slow"], default: "fast", "x-kind": "one_of" });
    expect(p.verify).toMatchObject({ type: "boolean", default: true });
    expect(p.hosts).toMatchObject({ type: "array", items: { type: "string" } });
    expect(p.token).toMatchObject({ type: "string", format: "password", writeOnly: true, "x-secret": true });
    expect(p.token).not.toHaveProperty("default");
    expect(p.token!["x-environment-variable"]).toBe("MISP_MODULES_PROBE_SETTINGS_TOKEN");
    expect(JSON.stringify(doc)).not.toContain(TOKEN);
  });
});

describe("isolated custom modules' server settings", () => {
  it("are parsed in the isolate: the handler sees the configured value", async () => {
    const r = await t.query({ module: "probe_settings", domain: "example.org", config: {} });
    expect(r.body).toEqual({ results: [{ types: ["text"], values: ["7", "fast"] }] });
  });

  it("are checked at load: a bad value fails the module, naming module, key and variable", async () => {
    type Health = { modules: { failed: { name?: string; error: string }[] } };
    let error: string | undefined;
    for (let i = 0; i < 100 && error === undefined; i++) {
      const health = (await (await fetch(`${t.url}/healthcheck`)).json()) as Health;
      error = health.modules.failed.find((f) => f.name === "bad_settings")?.error;
      if (error === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(error).toMatch(
      /server setting modules\.bad_settings\.limit must be a whole number ≥ 1, got "0".*MISP_MODULES_BAD_SETTINGS_LIMIT/,
    );
    const r = await t.query({ module: "bad_settings", domain: "example.org" });
    expect(String(r.body.error)).toMatch(/modules\.bad_settings\.limit/);
  });

  it("are listed by modules --reference and --markdown as in-process ones are", () => {
    const custom = t.app.registry.all().filter((m) => m.name === "probe_settings");
    const reference = moduleReferenceMarkdown(custom);
    expect(reference).toContain("| `limit` | `MISP_MODULES_PROBE_SETTINGS_LIMIT` | integer | `5` | — | Values at most. |");
    expect(reference).toContain("| `token` | `MISP_MODULES_PROBE_SETTINGS_TOKEN` | secret | — | yes | API token. |");
    const table = moduleTableMarkdown(
      custom.map((m) => m.descriptor),
      serverSettingKeys(custom),
    );
    expect(table).toMatch(/`limit`, `mode`, `verify`, `hosts`, `token`/);
  });
});
