/**
 * test/fixtures/hashpath-cakephp-derived.json: paths derived from CakePHP's Hash::extract
 * source (many of which the old validator refused) and PCRE2 regex cases, with the results
 * CakePHP and PHP produced (scripts/hashpath-derived-cases.mjs). Every path is evaluated;
 * none is an error unless PHP threw.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  compilePcre,
  extract,
  extractStrict,
  lintPath,
  parsePhpJson,
  pcreTest,
  phpJsonEncode,
  PhpTypeError,
} from "../../../src/engines/cakephp-hash/index.js";
import { RegexLimitError } from "../../../src/engines/regex/index.js";

interface DerivedCase {
  id: string;
  doc: string;
  path: string;
  note: string;
  expected?: unknown;
  error?: boolean;
  error_class?: string;
  php_warnings?: string[];
}
interface RegexCase {
  id: string;
  pattern: string;
  subject: string;
  note: string;
  result: 0 | 1 | false;
  preg_error: string;
  php_warnings?: string[];
}

const text = readFileSync(fileURLToPath(new URL("../../fixtures/hashpath-cakephp-derived.json", import.meta.url)), "utf8");
const fixture = parsePhpJson(text) as unknown as Map<string, unknown>;
const plain = JSON.parse(text) as { cases: DerivedCase[]; regex: RegexCase[] };
const documents = fixture instanceof Map ? (fixture.get("documents") as Map<string, unknown>) : undefined;
const encode = (value: unknown): string => phpJsonEncode(value, { preserveZeroFraction: true });

function documentFor(name: string): unknown {
  return documents instanceof Map ? documents.get(name) : (JSON.parse(text) as { documents: Record<string, unknown> }).documents[name];
}

describe("paths derived from CakePHP's Hash::extract (results from CakePHP itself)", () => {
  it.each(plain.cases.map((c) => [`${c.id} ${c.path}`, c] as const))("%s", (_name, c) => {
    const data = documentFor(c.doc);
    if (c.error) {
      expect(() => extractStrict(data, c.path)).toThrow(PhpTypeError);
      expect(() => extract(data, c.path)).not.toThrow();
      return;
    }
    const warnings: string[] = [];
    expect(encode(extractStrict(data, c.path, (w) => warnings.push(w))), c.note).toBe(encode(c.expected));
    expect(encode(extract(data, c.path))).toBe(encode(c.expected));
    // An invalid regex is a PHP warning for us too.
    if (c.php_warnings?.some((w) => w.includes("Compilation failed") || w.includes("delimiter") || w.includes("modifier"))) {
      expect(warnings.some((w) => w.startsWith("preg_match()"))).toBe(true);
    }
  });

  it("the lint warns about the suspicious ones, with a position, and never rejects", () => {
    const expectations: Array<[string, number, RegExp]> = [
      ["Event.Attribute.{n}.", 21, /empty key/],
      ["Event..info", 7, /empty key/],
      ["Event.Object.{n}[name=].uuid", 17, /"\[name=\]" is not a condition/],
      ["Tag.{n}[colour=#fff]id", 21, /"id" after the conditions is ignored/],
      ["Event.Attribute.{n}[value=/(ab/].id", 20, /does not compile.*missing closing parenthesis/],
      ["Event.Attribute.{n}[type=ip-dst", 20, /'\[' is never closed/],
      ["Event.Attribute.{n}]x[.value", 20, /'\]' without a matching '\['/],
      ["a.{N}", 3, /"\{N\}" is not a wildcard/],
      ["Event . info", 1, /keeps its surrounding whitespace/],
      ["Event.Attribute.{n}[ id=100].value", 20, /attribute name " id" includes whitespace/],
      ["[id=42]", 1, /no key before '\['/],
    ];
    for (const [path, position, message] of expectations) {
      const warnings = lintPath(path);
      expect(
        warnings.some((w) => w.position === position && message.test(w.message)),
        `${path}: ${JSON.stringify(warnings)}`,
      ).toBe(true);
    }
    for (const clean of [
      "Event.info",
      "Event.Attribute.{n}[type=/^ip-/].value",
      "{n}[name=fred][surname=smith].id",
      "",
      "0",
      "{*}.{s}.{n}",
    ]) {
      expect(lintPath(clean)).toEqual([]);
    }
  });
});

describe("PCRE2 regex cases (results from PHP's preg_match)", () => {
  it.each(plain.regex.map((c) => [`${c.id} ${JSON.stringify(c.pattern)} on ${JSON.stringify(c.subject).slice(0, 30)}`, c] as const))(
    "%s",
    (_name, c) => {
      const compiled = compilePcre(c.pattern);
      if (c.result === false && c.php_warnings?.some((w) => w.includes("Compilation failed"))) {
        // PHP refuses to compile: so do we, with the same reason.
        expect(compiled.ok).toBe(false);
        const phpReason = c.php_warnings[0]!.replace(/^preg_match\(\): Compilation failed: /, "").replace(/ at offset \d+$/, "");
        expect(!compiled.ok && compiled.error).toContain(phpReason);
        return;
      }
      if (c.result === false) {
        // PHP gave up (backtrack or JIT stack limit): we refuse to compile or stop at our bound.
        if (!compiled.ok) return;
        expect(() => pcreTest(compiled, c.subject)).toThrow(RegexLimitError);
        return;
      }
      expect(compiled.ok, compiled.ok ? "" : compiled.error).toBe(true);
      expect(compiled.ok && pcreTest(compiled, c.subject), c.note).toBe(c.result === 1);
    },
  );
});
