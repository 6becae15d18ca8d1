/**
 * Conformance with test/fixtures/hashpath-vectors.json: every case and filter vector was
 * produced by CakePHP's / MISP's real PHP code. Inputs are decoded the way PHP's
 * json_decode(..., true) does (parsePhpJson), results compared through json_encode's shape.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  extract,
  extractStrict,
  getItemsMatchingCondition,
  keptItemsToPhpValue,
  parsePhpJson,
  phpJsonEncode,
  PhpTypeError,
} from "../../../src/engines/cakephp-hash/index.js";

interface HashCase {
  id: string;
  doc?: string;
  data?: unknown;
  path: string;
  expected?: unknown;
  error?: boolean;
  error_class?: string;
  php_warnings?: string[];
  php_lossy_input?: boolean;
}
interface FilterCase {
  id: string;
  items: unknown;
  value: unknown;
  operator: string;
  path: string;
  expected?: unknown;
  kept_keys?: Array<number | string>;
  error?: boolean;
  error_class?: string;
}
interface Vectors {
  documents: Record<string, unknown>;
  cases: HashCase[];
  filters: FilterCase[];
}

const text = readFileSync(fileURLToPath(new URL("../../fixtures/hashpath-vectors.json", import.meta.url)), "utf8");
// PHP's view (order-preserving, {} == [], 1.0 stays a float) and JSON.parse's view of the same file.
const phpView = parsePhpJson(text) as unknown as Vectors;
const plainView = JSON.parse(text) as Vectors;
const documentsAsPhp = phpView.documents as unknown as Map<string, unknown> | Record<string, unknown>;

function documentOf(vectors: Vectors, c: HashCase, index: number): unknown {
  const own = (vectors.cases[index] as HashCase).data;
  if (own !== undefined) return own;
  const docs = vectors.documents as unknown;
  return docs instanceof Map ? docs.get(c.doc!) : (docs as Record<string, unknown>)[c.doc!];
}

// The vectors print floats with JSON_PRESERVE_ZERO_FRACTION (1.0 stays 1.0): compare the same way.
const encode = (value: unknown): string => phpJsonEncode(value, { preserveZeroFraction: true });

let casesPassed = 0;
let filtersPassed = 0;
let plainChecked = 0;

describe("hash path vectors (CakePHP Hash::extract)", () => {
  it.each(phpView.cases.map((c, index) => [c.id, c, index] as const))("%s", (_id, c, index) => {
    const data = documentOf(phpView, c, index);
    expect(data, `document ${c.doc}`).toBeDefined();
    if (c.error) {
      let thrown: unknown;
      try {
        extractStrict(data, c.path);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(PhpTypeError);
      expect((thrown as PhpTypeError).phpClass).toBe(c.error_class ?? "TypeError");
      // The lenient form never throws.
      expect(() => extract(data, c.path)).not.toThrow();
      casesPassed++;
      return;
    }
    const warnings: string[] = [];
    const result = extractStrict(data, c.path, (w) => warnings.push(w));
    expect(encode(result)).toBe(encode(c.expected));
    if (c.php_warnings && c.php_warnings.length > 0) expect(warnings.length).toBeGreaterThan(0);
    expect(encode(extract(data, c.path))).toBe(encode(c.expected));

    // Data straight from JSON.parse (what other modules hold) must give the same answer,
    // unless PHP's decoding differs from it (php_lossy_input) or JS reordered integer-like keys.
    const plainDoc = documentOf(plainView, plainView.cases[index]!, index);
    if (!c.php_lossy_input && encode(plainDoc) === encode(data)) {
      expect(encode(extract(plainDoc, c.path))).toBe(encode(c.expected));
      plainChecked++;
    }
    casesPassed++;
  });
});

describe("filter vectors (MISP getItemsMatchingCondition)", () => {
  it.each(phpView.filters.map((f) => [f.id, f] as const))("%s", (_id, f) => {
    if (f.error) {
      let thrown: unknown;
      try {
        getItemsMatchingCondition(f.items, f.value, f.operator, f.path);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(PhpTypeError);
      expect((thrown as PhpTypeError).phpClass).toBe(f.error_class ?? "TypeError");
      filtersPassed++;
      return;
    }
    const kept = getItemsMatchingCondition(f.items, f.value, f.operator, f.path);
    if (f.kept_keys) expect(kept.map((k) => k.key)).toEqual(f.kept_keys);
    expect(encode(keptItemsToPhpValue(kept))).toBe(encode(f.expected));
    filtersPassed++;
  });
});

afterAll(() => {
  console.log(
    `hashpath vectors: ${casesPassed}/${phpView.cases.length} cases, ${filtersPassed}/${phpView.filters.length} filters passed` +
      ` (${plainChecked} cases also checked on JSON.parse data)`,
  );
});

void documentsAsPhp;
