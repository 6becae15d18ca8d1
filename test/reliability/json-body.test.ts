import { describe, expect, it } from "vitest";
import { parseJsonBody } from "../../src/core/inbound/json-body.js";
import { eventQuery } from "./bodies-fixture.js";

// Large bodies are parsed in slices (issue 19, item 4); the result must be JSON.parse's, and an
// invalid body must get JSON.parse's very error message (it ends up in the 400 reply).

function expected(text: string): { value?: unknown; error?: string } {
  try {
    return { value: text.trim() === "" ? undefined : JSON.parse(text) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

async function actual(text: string): Promise<{ value?: unknown; error?: string }> {
  try {
    return { value: await parseJsonBody(Buffer.from(text)) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

const event = eventQuery(2 * 1024 * 1024).toString("utf8");
const big = JSON.stringify({
  module: "testaction",
  data: JSON.parse(event).data,
  // A string longer than a slice with escapes, surrogate pairs and multi-byte characters.
  blob: 'é\\"\u{1F600}\n'.repeat(200_000),
  numbers: [1e21, -0, 0.1, 12345678901234567890, 5e-324],
  dup: 1,
  ["__proto__"]: { polluted: true },
});

const valid: [string, string][] = [
  ["an event of 2 MB", event],
  ["the same, pretty-printed", JSON.stringify(JSON.parse(event), null, 2)],
  ["a long string with escapes and astral characters, odd numbers, __proto__", big],
  ["duplicate keys across slices (last wins)", big.slice(0, -1) + ',"dup":2,"module":"other"}'],
  ["a string of 1.4 MB made of escaped backslashes", `{"k":"${"\\\\".repeat(700_000)}"}`],
  ["a string of \\u escapes", `{"k":"${"\\u00e9\\ud83d\\ude00".repeat(100_000)}"}`],
  ["whitespace around the root", "  \n\t" + event + "\r\n  "],
  ["a top-level array", "[" + event + "," + event + "]"],
];

const invalid: [string, string][] = [
  ["truncated", event.slice(0, -1)],
  ["trailing comma in an array", event.replace('"tlp:amber"}]}', '"tlp:amber"}]},').replace(/,$/, "")],
  ["trailing comma in an object", event.replace('"Network activity",', '"Network activity",}').slice(0)],
  ["garbage after the root", event + "x"],
  ["a byte-order mark", "\uFEFF" + event],
  ["a leading zero", event.replace('"to_ids":true', '"to_ids":07')],
  ["a raw tab inside a string", event.replace("seen in the", "seen\tin the")],
  ["a bad escape", event.replace("seen in the", "seen \\x in the")],
  ["an unterminated string", '{"module":"x","data":"' + "a".repeat(1_200_000)],
];

describe("parseJsonBody (large bodies in slices) gives JSON.parse's results", () => {
  it.each(valid)("%s", async (_name, text) => {
    const want = expected(text);
    const got = await actual(text);
    expect(got.error).toBeUndefined();
    expect(got.value).toStrictEqual(want.value);
    if (text === big) {
      const o = got.value as Record<string, unknown>;
      // An own "__proto__" property, as JSON.parse makes, not a changed prototype.
      expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
      expect(Object.prototype.hasOwnProperty.call(o, "__proto__")).toBe(true);
      expect((o as { blob: string }).blob).toBe((want.value as { blob: string }).blob);
    }
  });

  it.each(invalid)("invalid: %s → JSON.parse's own message", async (_name, text) => {
    const want = expected(text);
    expect(want.error).toBeDefined();
    expect((await actual(text)).error).toBe(want.error);
  });

  it("deep nesting beyond any recursion limit (the builder keeps its own stack)", async () => {
    const depth = 600_000;
    let v = (await parseJsonBody(Buffer.from("[".repeat(depth) + "]".repeat(depth)))) as unknown[];
    let n = 1;
    while (v.length === 1) {
      v = v[0] as unknown[];
      n++;
    }
    expect(v).toEqual([]);
    expect(n).toBe(depth);
  });

  it("blank and whitespace-only bodies are 'no body', primitives come back as values", async () => {
    expect(await parseJsonBody(Buffer.from(" ".repeat(1_500_000)))).toBeUndefined();
    expect(await parseJsonBody(Buffer.from("\u00a0".repeat(600_000)))).toBeUndefined();
    expect(await parseJsonBody(Buffer.from(JSON.stringify("s".repeat(1_200_000))))).toBe("s".repeat(1_200_000));
    expect(await parseJsonBody(Buffer.from('{"module":"testaction"}'))).toEqual({ module: "testaction" });
  });
});
