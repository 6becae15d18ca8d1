import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../helpers/app.js";

// What MISP reads from GET /modules for the four expansions (docs/modules.md#onion_lookup, docs/modules.md#hashlookup, docs/modules.md#mmdb_lookup, docs/modules.md#dns, docs/protocol.md#expansion-settings):
// module-type with hover, mispattributes.input/format, meta.config as a list of setting names —
// and none of the server-side cache/rate-limit knobs.

let t: TestApp;
let modules: Array<{ name: string; type: string; mispattributes: Record<string, unknown>; meta: Record<string, unknown> }>;
beforeAll(async () => {
  t = await startTestApp();
  modules = (await (await fetch(`${t.url}/modules`)).json()) as typeof modules;
}, 120_000);
afterAll(async () => t?.close());

const expected = {
  onion_lookup: { input: ["onion-address"], format: "misp_standard", config: ["custom_API"] },
  hashlookup: { input: ["md5", "sha1", "sha256"], format: "misp_standard", config: ["custom_API"] },
  mmdb_lookup: {
    input: ["ip-src", "ip-src|port", "ip-dst", "ip-dst|port"],
    format: "misp_standard",
    config: ["custom_API", "db_source_filter", "max_country_info_qt"],
  },
  dns: { input: ["hostname", "domain", "domain|ip"], format: undefined, config: ["nameserver"] },
} as const;

describe("expansion descriptors", () => {
  for (const [name, want] of Object.entries(expected)) {
    it(name, () => {
      const d = modules.find((m) => m.name === name);
      expect(d).toBeDefined();
      expect(d!.type).toBe("expansion");
      expect(d!.mispattributes.input).toEqual(want.input);
      expect(d!.mispattributes.format).toBe(want.format);
      expect(d!.meta["module-type"]).toEqual(["expansion", "hover"]);
      expect(d!.meta.config).toEqual(want.config);
      for (const key of ["version", "author", "description", "name", "logo", "requirements", "features", "references", "input", "output"])
        expect(d!.meta).toHaveProperty(key);
    });
  }
  it("dns declares its output types", () => {
    expect(modules.find((m) => m.name === "dns")!.mispattributes.output).toEqual(["ip-src", "ip-dst"]);
  });
});
