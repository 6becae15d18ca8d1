import { afterAll, describe, expect, it } from "vitest";
import { TemplatePool } from "../../../src/engines/jinja/pool.js";

// Workers start lazily, with the first render: their start-up must not count against the
// template's time limit (it is not the template's fault), while the limit still applies.
describe("template pool start-up", () => {
  const pool = new TemplatePool({ size: 1, timeoutMs: 50 });
  afterAll(() => pool.close());

  it("does not charge worker start-up to the first render's time limit", async () => {
    const started = performance.now();
    const out = await pool.render(JSON.stringify({ template: "{{ a }}-{{ b|upper }}", data: { a: 1, b: "x" } }));
    expect(out).toBe("1-X");
    // Starting a worker (and, under vitest, compiling its TypeScript) takes far longer than 50 ms.
    expect(performance.now() - started).toBeGreaterThan(50);
  });

  it("still stops a runaway render at the limit once workers run", async () => {
    const runaway = JSON.stringify({
      template: "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
      data: {},
    });
    await expect(pool.render(runaway)).rejects.toMatchObject({ kind: "limit" });
  });

  it("ends a render at the caller's deadline even while the first worker is starting", async () => {
    const cold = new TemplatePool({ size: 1, timeoutMs: 50 });
    try {
      // Starting a worker takes far longer than 10 ms: the deadline passes first.
      const error = await cold
        .render(JSON.stringify({ template: "{{ 1 }}", data: {} }), { deadline: Date.now() + 10 })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: "limit" });
      expect((error as Error).message).toMatch(/deadline \(still waiting for a free renderer\)$/);
      expect(cold.stats().queued).toBe(0);
    } finally {
      await cold.close();
    }
  });
});
