import { describe, expect, it } from "vitest";
import { isValidPath } from "../../src/lib/hashpath/index.js";

describe("isValidPath", () => {
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
  ])("accepts %j", (path) => {
    expect(isValidPath(path)).toEqual({ ok: true });
  });

  it.each([
    ["Event.Attribute.{n}[type=ip-dst", /unclosed '\['/],
    ["Event.Attribute.{n}]type=ip-dst]", /unexpected '\]'/],
    ["Event..info", /empty key at segment 2/],
    ["Event.info.", /empty key/],
    ["Event.Attribute.{n}[id=].id", /malformed condition/],
    ["Event.Attribute.{n}[=x].id", /malformed condition/],
    ["Event.Attribute.{n}[value=/(/].id", /bad regular expression/],
    ["Event.Attribute.{n}[value=/x/q].id", /Unknown modifier/],
    ["Event.Attribute.{N}.value", /unknown wildcard "\{N\}"/],
    ["Event.Attribute.{n}x[type=a].value", /unknown wildcard/],
  ])("rejects %j", (path, reason) => {
    const result = isValidPath(path);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(reason);
  });

  it("rejects non-strings", () => {
    expect(isValidPath(42).ok).toBe(false);
  });
});
