// Differential vectors: ~2,100 templates (hand-written edge cases plus generated expression and
// statement mixes) rendered by real Jinja2 3.1.6 SandboxedEnvironment; our engine must agree exactly,
// output byte for byte or the same Python exception class.
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { renderJinja, TemplateError } from "../../src/lib/template/render.js";

interface DiffCase {
  template: string;
  expected?: string;
  error?: string;
}
const vectors = JSON.parse(readFileSync(new URL("./engine-differential.vectors.json", import.meta.url), "utf8")) as {
  data: Record<string, unknown>;
  cases: DiffCase[];
};

let passed = 0;
afterAll(() => {
  console.log(`jinja differential vectors: ${passed}/${vectors.cases.length} passed`);
});

describe("differential vectors (Jinja2 3.1.6)", () => {
  it("has a substantial corpus", () => {
    expect(vectors.cases.length).toBeGreaterThan(2000);
  });

  it.each(vectors.cases.map((c, i) => [i, c] as const))("case %i", (_i, c) => {
    if (c.error !== undefined) {
      let caught: unknown;
      try {
        renderJinja(c.template, vectors.data);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(TemplateError);
      expect((caught as TemplateError).pythonClass).toBe(c.error);
    } else {
      expect(renderJinja(c.template, vectors.data)).toBe(c.expected);
    }
    passed++;
  });
});
