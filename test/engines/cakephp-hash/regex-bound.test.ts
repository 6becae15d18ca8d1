/** The bounded PCRE matcher (src/engines/regex): the budget, its sharing, and what it keeps of PCRE. */
import { describe, expect, it } from "vitest";
import { compilePcre, extract, extractStrict, filterItemsAsMispSends, pcreTest } from "../../../src/engines/cakephp-hash/index.js";
import {
  compilePcrePattern,
  compileUserPattern,
  globMatch,
  newRegexBudget,
  RegexLimitError,
  regexStepLimit,
  setRegexStepLimit,
} from "../../../src/engines/regex/index.js";

const EVIL = "a".repeat(30) + "!";

describe("step budget", () => {
  it("a catastrophic pattern stops at the bound with RegexLimitError, in well under a second of work", () => {
    const re = compilePcrePattern("^(a+)+$");
    const started = performance.now();
    expect(() => re.test(EVIL)).toThrow(RegexLimitError);
    expect(performance.now() - started).toBeLessThan(5000); // generous: CI machines are shared
    expect(() => re.test(EVIL)).toThrow(/needs more than 1,000,000 matching steps/);
  });

  it("the same pattern on benign values matches normally", () => {
    const re = compilePcrePattern("^(a+)+$");
    expect(re.test("aaaa")).toBe(true);
    expect(re.test("aab")).toBe(false);
  });

  it("a budget is shared by every match of one evaluation", () => {
    const re = compilePcrePattern("^(a|aa)+$");
    const budget = newRegexBudget(10_000);
    expect(re.test("a".repeat(10), budget)).toBe(true);
    const used = budget.limit - budget.remaining;
    expect(used).toBeGreaterThan(0);
    expect(re.test("a".repeat(10), budget)).toBe(true);
    expect(budget.limit - budget.remaining).toBe(2 * used);
    expect(() => re.test("a".repeat(24) + "!", budget)).toThrow(RegexLimitError);
    expect(budget.remaining).toBe(0);
    expect(() => re.test("a", budget)).toThrow(RegexLimitError);
  });

  it("a hash path shares one budget across all items, so many near-limit items cannot add up", () => {
    const data = Array.from({ length: 50 }, () => ({ v: "a".repeat(14) + "!" }));
    const path = "{n}[v=/^(a|aa)+$/].v";
    // Each item alone fits easily in the budget...
    expect(extract([data[0]], path)).toEqual([]);
    // ...but together they exceed a small one.
    const previous = setRegexStepLimit(20_000);
    try {
      expect(regexStepLimit()).toBe(20_000);
      expect(() => extract(data, path)).toThrow(RegexLimitError);
      expect(() => extractStrict(data, path)).toThrow(RegexLimitError);
      // A node filter: the per-item path runs once per item, on the same budget.
      const items = data.map((item) => ({ x: item }));
      expect(() => filterItemsAsMispSends(items, { selector: "", operator: "any_value", value: "", path: "x[v=/^(a|aa)+$/].v" })).toThrow(
        RegexLimitError,
      );
    } finally {
      setRegexStepLimit(previous);
    }
  });

  it("very deep nesting on a long value is a RegexLimitError, not a crash", () => {
    const re = compilePcrePattern("^(?:ab)*$");
    expect(re.test("ab".repeat(100))).toBe(true);
    expect(() => re.test("ab".repeat(200_000), newRegexBudget(100_000_000))).toThrow(RegexLimitError);
  });

  it("required-literal and first-literal shortcuts keep results exact", () => {
    expect(compilePcrePattern("(a*)*b").test("a".repeat(60))).toBe(false); // no 'b': PCRE answers 0 at once too
    expect(compilePcrePattern("(a*)*b").test("a".repeat(60) + "b")).toBe(true);
    expect(compilePcrePattern("evil\\.com", { caseless: true }).test("x".repeat(10_000) + "EVIL.com")).toBe(true);
    expect(compilePcrePattern("b|evil").test("xxb")).toBe(true);
    expect(compilePcrePattern("a?b").test("b")).toBe(true);
  });
});

describe("PHP preg patterns through compilePcre", () => {
  const matches = (pattern: string, subject: string) => {
    const compiled = compilePcre(pattern);
    if (!compiled.ok) throw new Error(compiled.error);
    return pcreTest(compiled, subject);
  };
  it("anchors, classes, flags", () => {
    expect(matches("/^ip-(src|dst)$/", "ip-dst")).toBe(true);
    expect(matches("/^ip-(src|dst)$/", "ip-dst|port")).toBe(false);
    expect(matches("/^[a-f0-9]{32}$/i", "D41D8CD98F00B204E9800998ECF8427E")).toBe(true);
    expect(matches("/\\.onion$/", "abc.onion\n")).toBe(true);
    expect(matches("/^\\d{1,3}(\\.\\d{1,3}){3}$/", "203.0.113.5")).toBe(true);
    expect(matches("/tlp:(?!white)/", "tlp:white")).toBe(false);
    expect(matches("/tlp:(?!white)/", "tlp:red")).toBe(true);
  });
  it("the bound applies to preg patterns too", () => {
    expect(() => matches("/^(\\w+\\s?)*$/", "an event info long enough to explode the naive matcher !")).toThrow(RegexLimitError);
  });
});

describe("parameter patterns (compileUserPattern)", () => {
  it("names the parameter in compile errors and at the bound", () => {
    expect(() => compileUserPattern("forbidden_info_pattern", "(")).toThrow(
      /^parameter "forbidden_info_pattern": invalid regular expression \(missing closing parenthesis at offset 1\)$/,
    );
    const re = compileUserPattern("forbidden_info_pattern", "^(a+)+$");
    expect(() => re.test(EVIL)).toThrow(/^parameter "forbidden_info_pattern": the regular expression needs more than/);
  });
  it("is Unicode-aware (u): one character per code point, Unicode case folding", () => {
    expect(compileUserPattern("p", "^.{4}$").test("café")).toBe(true);
    expect(compileUserPattern("p", "(?i)^CAFÉ$").test("café")).toBe(true);
  });
});

describe("globMatch (allow-lists in settings)", () => {
  it("matches '*' wildcards against the whole subject, case-insensitively", () => {
    expect(globMatch("https://hooks.example.org/*", "https://HOOKS.example.org/a/b")).toBe(true);
    expect(globMatch("https://hooks.example.org/*", "https://hooks.example.org.evil.example/a")).toBe(false);
    expect(globMatch("*.example.org/*/x", "a.example.org/p/q/x")).toBe(true);
    expect(globMatch("a*b*c", "abc")).toBe(true);
    expect(globMatch("a*b*c", "acb")).toBe(false);
    expect(globMatch("", "")).toBe(true);
    expect(globMatch("*", "")).toBe(true);
  });
  it("stays fast on patterns that would backtrack as regexes", () => {
    const started = performance.now();
    expect(globMatch("*a*a*a*a*a*a*a*a*a*a*b", "a".repeat(5000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
