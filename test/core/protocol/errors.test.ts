import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { errorCatalogueMarkdown, errorText, PROTOCOL_ERRORS } from "../../../src/core/protocol/errors.js";

const doc = readFileSync(fileURLToPath(new URL("../../../docs/errors.md", import.meta.url)), "utf8");

describe("protocol error catalogue", () => {
  it("docs/errors.md lists the catalogue as it is", () => {
    const section = /<!-- errors:start -->\n([\s\S]*?)\n<!-- errors:end -->/.exec(doc)?.[1];
    expect(section).toBe(errorCatalogueMarkdown());
  });

  it("keeps the texts MISP and the reference's users see (wire compatibility)", () => {
    // The reference answers an unknown module and a deadline with these words; scripts match them.
    expect(errorText("UNKNOWN_MODULE", "x")).toBe("Unknown module: x");
    expect(errorText("TIMEOUT", "m", 5)).toMatch(/^Timeout\. m did not finish within its deadline of 5 ms$/);
    expect(errorText("INVALID_QUERY", errorText("BODY_NOT_JSON", "boom"))).toBe("invalid query: body is not valid JSON: boom");
  });

  it("gives every code a status, a description and a non-empty text", () => {
    for (const [code, e] of Object.entries(PROTOCOL_ERRORS)) {
      expect([200, 400, 404, 405, 408, 413, 500, 503], code).toContain(e.status);
      expect(e.when.length, code).toBeGreaterThan(0);
      expect((e.text as (...a: string[]) => string)("a", "b", "c").length, code).toBeGreaterThan(0);
    }
  });
});
