// Conformance: every case of the Jinja2 vector file, rendered by our engine, byte for byte.
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { renderJinja, TemplateError } from "../../../src/engines/jinja/render.js";

interface VectorCase {
  id: string;
  kind: string;
  data_name: string;
  template: string;
  expected?: string;
  error?: string;
  error_message?: string;
  must_refuse?: boolean;
}
interface VectorFile {
  documents: Record<string, unknown>;
  cases: VectorCase[];
}

const vectors = JSON.parse(readFileSync(new URL("../../fixtures/jinja-vectors.json", import.meta.url), "utf8")) as VectorFile;

let passed = 0;
afterAll(() => {
  console.log(`jinja vectors: ${passed}/${vectors.cases.length} passed`);
});

/** What rendering throws (undefined when it renders). */
function renderError(template: string, data: unknown): unknown {
  try {
    renderJinja(template, data);
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("jinja vectors", () => {
  it.each(vectors.cases.map((c) => [c.id, c] as const))("%s", (_id, c) => {
    const data = vectors.documents[c.data_name];
    if (c.must_refuse) {
      const started = Date.now();
      const caught = renderError(c.template, data);
      expect(caught).toBeInstanceOf(TemplateError);
      expect(["security", "limit"]).toContain((caught as TemplateError).kind);
      expect(Date.now() - started).toBeLessThan(2000);
    } else if (c.error !== undefined) {
      const caught = renderError(c.template, data);
      expect(caught).toBeInstanceOf(TemplateError);
      expect((caught as TemplateError).pythonClass).toBe(c.error);
    } else {
      expect(renderJinja(c.template, data)).toBe(c.expected);
    }
    passed++;
  });
});
