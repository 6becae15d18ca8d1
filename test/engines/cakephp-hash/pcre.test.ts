/** PCRE (PHP preg, no u flag = bytes) on the bounded matcher, through compilePcre/pcreTest. */
import { describe, expect, it } from "vitest";
import { compilePcre, pcreTest } from "../../../src/engines/cakephp-hash/index.js";

function matches(pattern: string, subject: string): boolean | string {
  const compiled = compilePcre(pattern);
  return compiled.ok ? pcreTest(compiled, subject) : compiled.error;
}

describe("PCRE semantics", () => {
  it("flags", () => {
    expect(matches("/smith/i", "SMITH")).toBe(true);
    expect(matches("/^b/m", "a\nb")).toBe(true);
    expect(matches("/^b/", "a\nb")).toBe(false);
    expect(matches("/a.b/s", "a\nb")).toBe(true);
    expect(matches("/a b/x", "ab")).toBe(true);
    expect(matches("/a # comment\n b/x", "ab")).toBe(true);
    expect(matches("/b/A", "ab")).toBe(false);
    expect(matches("/a+?/U", "aaa")).toBe(true);
  });
  it("'$' also matches before a final newline unless D", () => {
    expect(matches("/a$/", "a\n")).toBe(true);
    expect(matches("/a$/D", "a\n")).toBe(false);
    expect(matches("/a$/", "a\nb")).toBe(false);
    expect(matches("/a$/m", "a\nb")).toBe(true);
  });
  it("'.' excludes only \\n", () => {
    expect(matches("/a.b/", "a\rb")).toBe(true);
    expect(matches("/a.b/", "a\nb")).toBe(false);
  });
  it("without u the subject is bytes", () => {
    expect(matches("/^.{4}$/", "café")).toBe(false); // 5 bytes
    expect(matches("/^.{5}$/", "café")).toBe(true);
    expect(matches("/^.{4}$/u", "café")).toBe(true);
    expect(matches("/é/", "café")).toBe(true);
    expect(matches("/[é]/", "\u00c3")).toBe(true); // the class holds the bytes C3 A9; "Ã" is C3 83
  });
  it("escapes and classes", () => {
    expect(matches("/\\d+\\.\\d+/", "v1.2")).toBe(true);
    expect(matches("/\\//", "a/b")).toBe(true);
    expect(matches("/[]a]/", "]")).toBe(true);
    expect(matches("/[[:digit:]]+/", "x42")).toBe(true);
    expect(matches("/\\s/", "\u00a0")).toBe(false); // PCRE \s is ASCII only
    expect(matches("/^(fred|joe)$/", "joe")).toBe(true);
    expect(matches("/(?P<x>a)(?P=x)/", "aa")).toBe(true);
    expect(matches("/a{,2}/", "a{,2}")).toBe(true); // not a quantifier in PCRE2 10.40
    expect(matches("/\\Qa.b\\E/", "axb")).toBe(false);
  });
  it("errors PHP reports as warnings", () => {
    expect(matches("/abc", "abc")).toMatch(/No ending delimiter/);
    expect(matches("/abc/q", "abc")).toMatch(/Unknown modifier 'q'/);
    expect(matches("/(/", "(")).toMatch(/Compilation failed: missing closing parenthesis at offset 1/);
    expect(matches("/(?R)a/", "a")).toMatch(/recursion .* not supported/);
  });
  it("inline options, atomic groups and possessive quantifiers are PCRE's", () => {
    expect(matches("/(?i)a/", "A")).toBe(true);
    expect(matches("/a(?i)b/", "aB")).toBe(true);
    expect(matches("/a(?i)b/", "AB")).toBe(false);
    expect(matches("/(?i:a)b/", "Ab")).toBe(true);
    expect(matches("/^a++$/", "aaa")).toBe(true);
    expect(matches("/^a++a/", "aaa")).toBe(false);
    expect(matches("/^(?>a|ab)c/", "abc")).toBe(false);
    expect(matches("/^(?:a|ab)c/", "abc")).toBe(true);
  });
  it("lookarounds and back references", () => {
    expect(matches("/^(?=.*\\d)(?=.*[a-z]).{6,}$/", "abc123")).toBe(true);
    expect(matches("/^(?=.*\\d)(?=.*[a-z]).{6,}$/", "abcdef")).toBe(false);
    expect(matches("/(?<!evil)\\.com$/", "good.com")).toBe(true);
    expect(matches("/(?<!evil)\\.com$/", "evil.com")).toBe(false);
    expect(matches("/^(['\"]).*\\1$/", "'quoted'")).toBe(true);
    expect(matches("/^(['\"]).*\\1$/", "'mixed\"")).toBe(false);
  });
});
