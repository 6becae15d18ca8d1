// Differential vectors: templates (hand-written edge cases plus generated expression, statement and
// filter mixes) rendered by real Jinja2 3.1.6 SandboxedEnvironment; our engine must agree exactly,
// output byte for byte or the same Python exception class. Every file next to this one named
// engine-differential*.vectors.json is a corpus: {description, data, cases}; its data is read as
// Python's json.loads reads it (parseTemplateJson), like MISP's data in the module.
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { parseTemplateJson, renderJinja, TemplateError } from "../../../src/engines/jinja/render.js";

interface DiffCase {
  template: string;
  expected?: string;
  error?: string;
}
interface Corpus {
  data: unknown;
  cases: DiffCase[];
}

const folder = new URL("./", import.meta.url);
const corpora = readdirSync(folder)
  .filter((name) => /^engine-differential.*\.vectors\.json$/.test(name))
  .sort()
  .map((name) => {
    const text = readFileSync(new URL(name, folder), "utf8");
    const corpus = JSON.parse(text) as Corpus;
    // The data again, through the faithful parser: 1.0 stays a float as in the Python that rendered it.
    const data = (parseTemplateJson(text) as { data: unknown }).data;
    return { name, data, cases: corpus.cases };
  });

const passed = new Map<string, number>();
afterAll(() => {
  for (const c of corpora) console.log(`jinja differential vectors ${c.name}: ${passed.get(c.name) ?? 0}/${c.cases.length} passed`);
});

it("has a substantial corpus", () => {
  expect(corpora.reduce((n, c) => n + c.cases.length, 0)).toBeGreaterThan(2000);
});

for (const corpus of corpora) {
  describe(`differential vectors (Jinja2 3.1.6): ${corpus.name}`, () => {
    it.each(corpus.cases.map((c, i) => [i, c] as const))("case %i", (_i, c) => {
      if (c.error !== undefined) {
        let caught: unknown;
        try {
          renderJinja(c.template, corpus.data);
        } catch (e) {
          caught = e;
        }
        expect(caught).toBeInstanceOf(TemplateError);
        expect((caught as TemplateError).pythonClass).toBe(c.error);
      } else {
        expect(renderJinja(c.template, corpus.data)).toBe(c.expected);
      }
      passed.set(corpus.name, (passed.get(corpus.name) ?? 0) + 1);
    });
  });
}
