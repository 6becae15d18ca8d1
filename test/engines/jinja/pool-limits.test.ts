import { readServerSettings } from "../../../src/sdk/server-settings.js";
import { afterAll, describe, expect, it } from "vitest";
import { configureTemplatePool, getTemplatePool, TemplatePool } from "../../../src/engines/jinja/pool.js";
import jinjaModule from "../../../src/modules/expansion/jinja_template_rendering.js";

// Render workers start with a capped V8 young generation and heap: an uncapped young generation
// grew to ~48 MiB per busy worker (docs/operations-runtime.md, "Memory").

describe("template pool memory bounds", () => {
  const pools: TemplatePool[] = [];
  afterAll(() => Promise.all(pools.map((pool) => pool.close())));
  const started = async (options: ConstructorParameters<typeof TemplatePool>[0]) => {
    const pool = new TemplatePool({ timeoutMs: 60_000, idleMs: 0, ...options });
    pools.push(pool);
    expect(await pool.render(JSON.stringify({ template: "{{ n + 1 }}", data: { n: 1 } }))).toBe("2");
    await pool.ready();
    return pool;
  };

  it("applies the default caps to every worker", async () => {
    const pool = await started({ size: 2 });
    const limits = pool.workerResourceLimits();
    expect(limits).toHaveLength(2);
    for (const applied of limits) {
      expect(applied?.maxYoungGenerationSizeMb).toBeGreaterThan(0);
      expect(applied?.maxYoungGenerationSizeMb).toBeLessThanOrEqual(8);
      expect(applied?.maxOldGenerationSizeMb).toBe(512);
    }
  }, 60_000);

  it("applies configured caps", async () => {
    const pool = await started({ size: 1, maxYoungMb: 32, maxHeapMb: 128 });
    const [applied] = pool.workerResourceLimits();
    expect(applied?.maxYoungGenerationSizeMb).toBeGreaterThan(8);
    expect(applied?.maxYoungGenerationSizeMb).toBeLessThanOrEqual(32);
    expect(applied?.maxOldGenerationSizeMb).toBe(128);
  }, 60_000);

  it("takes the caps from the module's settings (max_young_mb, max_heap_mb)", async () => {
    const settings: Record<string, string> = { max_young_mb: "16", max_heap_mb: "96", warm_start: "true" };
    // The values as the server hands them over: read through the module's declared server settings.
    const read = (key: string) => settings[key];
    const values = readServerSettings("jinja_template_rendering", jinjaModule.serverSettings ?? {}, read);
    const ctx = { setting: read, settings: values } as unknown as Parameters<NonNullable<typeof jinjaModule.init>>[0];
    try {
      await jinjaModule.init?.(ctx);
      const limits = getTemplatePool().workerResourceLimits();
      expect(limits.length).toBeGreaterThan(0);
      for (const applied of limits) {
        expect(applied?.maxYoungGenerationSizeMb).toBeGreaterThan(8);
        expect(applied?.maxYoungGenerationSizeMb).toBeLessThanOrEqual(16);
        expect(applied?.maxOldGenerationSizeMb).toBe(96);
      }
    } finally {
      await configureTemplatePool({});
    }
  }, 60_000);
});
