import { describe, expect, it } from "vitest";
import { formatPathWarning, isValidPath, lintPath } from "../../../src/engines/cakephp-hash/index.js";

describe("isValidPath / lintPath", () => {
  it.each([
    "",
    "0",
    "Event.info",
    "Event._AttributeFlattened.{n}[type=/^ip-/].value",
    "{n}[name=fred][surname=smith].id",
    "Event.Attribute.{n}[Tag].id",
    "values.{n}[v=a,b].v",
    "Event.Attribute.{n}[value=update-check.example.net].id",
    "{*}.{s}.{n}",
    "Event.Attribute.{n}[id = 100].value",
  ])("accepts %j without warnings", (path) => {
    expect(isValidPath(path)).toEqual({ ok: true, warnings: [] });
  });

  // CakePHP evaluates all of these; they are legal, only suspicious.
  it.each([
    ["Event.Attribute.{n}[type=ip-dst", 20, /'\[' is never closed/],
    ["Event.Attribute.{n}]x[.value", 20, /'\]' without a matching '\['/],
    ["Event.Attribute.{n}]type=ip-dst]", 17, /"\{n\}\]type=ip-dst\]" is not a wildcard/],
    ["Event..info", 7, /empty key/],
    ["Event.info.", 12, /empty key/],
    [".Event.{n}", 1, /empty key/],
    ["Event.Attribute.{n}[id=].id", 20, /"\[id=\]" is not a condition/],
    ["Event.Attribute.{n}[=x].id", 20, /"\[=x\]" is not a condition/],
    ["Event.Attribute.{n}[value=/(/].id", 20, /does not compile/],
    ["Event.Attribute.{n}[value=/x/q].id", 20, /Unknown modifier 'q'/],
    ["Event.Attribute.{N}.value", 17, /"\{N\}" is not a wildcard/],
    ["Event.Attribute.{n}x[type=a].value", 17, /"\{n\}x" is not a wildcard/],
    ["Event.Tag.{n}[colour=#fff]id", 27, /"id" after the conditions is ignored/],
    ["Event.Attribute.{n}[type=ip-dst ].id", 20, /value "ip-dst " includes whitespace/],
  ])("warns about %j at position %i", (path, position, reason) => {
    const result = isValidPath(path);
    expect(result.ok).toBe(true);
    const warnings = result.ok ? result.warnings : [];
    expect(warnings.length).toBeGreaterThan(0);
    const hit = warnings.find((w) => reason.test(w.message));
    expect(hit, JSON.stringify(warnings)).toBeDefined();
    expect(hit!.position).toBe(position);
    expect(formatPathWarning(hit!)).toMatch(new RegExp(`^position ${position}: `));
  });

  it("warnings come in position order", () => {
    const positions = lintPath("..x.{N}.[a=]").map((w) => w.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(positions.length).toBeGreaterThanOrEqual(3);
  });

  it("only a non-string is an error", () => {
    expect(isValidPath(42).ok).toBe(false);
  });
});
