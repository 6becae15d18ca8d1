import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { ModuleDescriptorSchema } from "../../src/core/protocol/schemas.js";
import { moduleNameProblem, MISP_BUILTIN_WORKFLOW_IDS } from "../../src/core/registry/naming.js";
import { underscore } from "../../src/engines/cakephp-hash/inflector.js";

let t: TestApp;
let modules: any[];
beforeAll(async () => {
  t = await startTestApp();
  modules = (await (await fetch(`${t.url}/modules`)).json()) as any[];
});
afterAll(async () => t.close());

describe("GET /modules (docs/protocol.md#get-modules)", () => {
  it("is a JSON array of descriptors with every meta key", () => {
    expect(Array.isArray(modules)).toBe(true);
    expect(modules.length).toBeGreaterThan(0);
    for (const m of modules) {
      const r = ModuleDescriptorSchema.safeParse(m);
      expect(r.success, `${m.name}: ${r.success ? "" : r.error.message}`).toBe(true);
      expect(Object.keys(m)).toEqual(["name", "type", "mispattributes", "meta"]);
    }
  });

  it("lists every built-in module", () => {
    const names = modules.map((m) => m.name);
    expect(names).toContain("testaction");
    expect(
      t.app.registry
        .all()
        .filter((m) => m.source === "builtin")
        .map((m) => m.name)
        .sort(),
    ).toEqual([...names].sort());
  });

  it("action descriptors: module-type action, config object with params/flags, mirrored in mispattributes", () => {
    for (const m of modules.filter((x) => x.type === "action_mod")) {
      expect(m.meta["module-type"]).toEqual(["action"]);
      const cfg = m.meta.config;
      expect(cfg).toMatchObject({
        params: expect.any(Object),
        blocking: expect.any(Boolean),
        support_filters: expect.any(Boolean),
        expect_misp_core_format: expect.any(Boolean),
      });
      expect(Array.isArray(cfg.params)).toBe(false);
      for (const [name, p] of Object.entries<any>(cfg.params)) {
        expect(["string", "large_string", "hash_path"], `${m.name}.${name}`).toContain(p.type);
        expect(typeof p.description).toBe("string");
        if ("jinja_supported" in p) expect(p.jinja_supported).toBe(true);
      }
      expect(m.mispattributes).toEqual({ config: cfg });
      expect(typeof m.meta.description).toBe("string");
      if (m.meta.icon) expect(["fas", "fab", "far"]).toContain(m.meta.icon_class);
      expect(m.meta).not.toHaveProperty("outputs");
    }
  });

  it("expansion descriptors: input list, config a list of strings, no reserved settings", () => {
    for (const m of modules.filter((x) => x.type === "expansion")) {
      expect(Array.isArray(m.mispattributes.input)).toBe(true);
      expect(m.mispattributes.input.length).toBeGreaterThan(0);
      expect(Array.isArray(m.meta.config)).toBe(true);
      for (const s of m.meta.config) expect(typeof s).toBe("string");
      expect(m.meta.config).not.toContain("enabled");
      expect(m.meta.config).not.toContain("restrict");
      for (const mt of m.meta["module-type"]) expect(["expansion", "hover"]).toContain(mt);
      if ("format" in m.mispattributes) expect(m.mispattributes.format).toBe("misp_standard");
    }
  });

  it("testaction matches the reference (docs/modules.md#testaction)", () => {
    const ta = modules.find((m) => m.name === "testaction");
    expect(ta.meta.description).toBe("Test action module that always reports success.");
    expect(Object.keys(ta.meta.config.params)).toEqual(["foo", "Data extraction path"]);
    expect(ta.meta.config.params.foo).toMatchObject({ type: "string", value: "xyz" });
    expect(ta.meta.config.params["Data extraction path"]).toMatchObject({ type: "hash_path", value: "Event.Attribute.{n}.Tag.{n}.name" });
    expect(ta.meta.config).toMatchObject({ blocking: false, support_filters: false, expect_misp_core_format: false });
  });

  it("no shipped module breaks the naming rules (docs/protocol.md#naming)", () => {
    for (const m of modules) {
      const kind = m.type === "action_mod" ? "action" : "expansion";
      expect(moduleNameProblem(m.name, kind), m.name).toBeUndefined();
      if (kind === "action") expect(MISP_BUILTIN_WORKFLOW_IDS.has(underscore(m.name)), m.name).toBe(false);
    }
  });

  it("is served from a buffer rebuilt only when the module set changes", async () => {
    const listing = await fetch(`${t.url}/modules`);
    expect(listing.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const a = await listing.text();
    const before = t.app.registry.version;
    const b = await (await fetch(`${t.url}/modules`)).text();
    expect(b).toBe(a);
    expect(t.app.registry.version).toBe(before);
    const ta = t.app.registry.get("testaction")!;
    t.app.registry.delete("testaction");
    const c = (await (await fetch(`${t.url}/modules`)).json()) as any[];
    expect(c.map((m) => m.name)).not.toContain("testaction");
    t.app.registry.set(ta);
    expect(await (await fetch(`${t.url}/modules`)).text()).toBe(a);
  });

  it("answers in milliseconds, even while a module is still initialising", async () => {
    const ta = t.app.registry.get("testaction")!;
    let release!: () => void;
    ta.state = "initialising";
    ta.ready = new Promise<void>((r) => (release = r));
    const started = performance.now();
    for (let i = 0; i < 50; i++) expect((await fetch(`${t.url}/modules`)).status).toBe(200);
    expect((performance.now() - started) / 50).toBeLessThan(20);
    // A query waits for init instead of failing.
    const pending = t.query({ module: "testaction", data: {} });
    await new Promise((r) => setTimeout(r, 50));
    ta.state = "ready";
    release();
    expect((await pending).body).toEqual({ data: true });
  });

  it("hiddenModules are served but not listed", async () => {
    const h = await startTestApp({ hiddenModules: ["testaction"] });
    try {
      const list = (await (await fetch(`${h.url}/modules`)).json()) as any[];
      expect(list.map((m) => m.name)).not.toContain("testaction");
      expect((await h.query({ module: "testaction" })).body).toEqual({ data: true });
    } finally {
      await h.close();
    }
  });
});
