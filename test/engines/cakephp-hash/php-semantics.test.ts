/** PHP 8 building blocks: loose comparison (docs/protocol.md#loose-comparison), numeric strings, float formatting, JSON decode/encode shapes. */
import { describe, expect, it } from "vitest";
import {
  isNumericString,
  looseCompare,
  looseEquals,
  normalizeKey,
  parsePhpJson,
  PhpFloat,
  phpEmpty,
  phpFloatToJson,
  phpFloatToString,
  phpJsonEncode,
  phpSortValues,
  strictIdentical,
  toPlainJson,
} from "../../../src/engines/cakephp-hash/index.js";

describe("loose comparison (PHP 8)", () => {
  const equal: Array<[unknown, unknown]> = [
    [true, "abc"],
    [false, ""],
    [false, "0"],
    [false, null],
    [false, []],
    [null, ""],
    [null, 0],
    [null, []],
    [1, "1"],
    [1, "1.0"],
    [100, "1e2"],
    ["100", "1e2"],
    ["01", "1"],
    [" 1", "1"],
    ["1 ", "1"],
    [1.5, "1.5"],
    [new PhpFloat(1), "1"],
    [0, "0"],
    [
      [1, 2],
      [1, 2],
    ],
    [
      { a: 1, b: 2 },
      { b: 2, a: "1" },
    ],
  ];
  const notEqual: Array<[unknown, unknown]> = [
    [null, "0"],
    [0, "a"],
    [0, ""],
    ["abc", "ABC"],
    ["1e3", "1000.5"],
    [[1], 1],
    [[1], "1"],
    [{ a: 1 }, { b: 1 }],
    ["0x1A", "26"],
  ];
  it.each(equal)("%j == %j", (a, b) => {
    expect(looseEquals(a, b)).toBe(true);
    expect(looseEquals(b, a)).toBe(true);
  });
  it.each(notEqual)("%j != %j", (a, b) => {
    expect(looseEquals(a, b)).toBe(false);
    expect(looseEquals(b, a)).toBe(false);
  });
  it("orders like <=>", () => {
    expect(looseCompare("10", "9")).toBe(1); // numeric strings compare as numbers
    expect(looseCompare("10", "9a")).toBe(-1); // otherwise byte-wise
    expect(looseCompare("abc", 5)).toBe(1); // 5 -> "5", then strcmp
    expect(looseCompare([1], "zzz")).toBe(1); // arrays are greater than scalars
    expect(looseCompare(null, "a")).toBe(-1);
    expect(looseCompare(null, "")).toBe(0);
    expect(looseCompare([1, 2], [1])).toBe(1); // larger count
    expect(looseCompare("é", "z")).toBe(1); // UTF-8 bytes
    expect(looseCompare(0.1, "0.1")).toBe(0);
  });
  it("=== on arrays needs same keys, order and types", () => {
    expect(strictIdentical(["a", "b"], ["a", "b"])).toBe(true);
    expect(strictIdentical(["b", "a"], ["a", "b"])).toBe(false);
    expect(strictIdentical([1], ["1"])).toBe(false);
    expect(strictIdentical([1], [new PhpFloat(1)])).toBe(false);
    expect(strictIdentical({ a: 1 }, [1])).toBe(false);
  });
  it("sort() with SORT_REGULAR", () => {
    expect(phpSortValues(["b", "a", "10", "9"])).toEqual(["9", "10", "a", "b"]);
  });
});

describe("numbers and emptiness", () => {
  it("is_numeric for strings", () => {
    for (const s of ["1", "-1", "+1", "1.5", ".5", "5.", "1e3", "1E-3", " 1", "1 ", "\t1\n"]) expect(isNumericString(s), s).toBe(true);
    for (const s of ["", " ", ".", "1e", "0x1A", "1_000", "abc", "1 2", "e3", "- 1"]) expect(isNumericString(s), s).toBe(false);
  });
  it("PHP key normalisation", () => {
    expect(normalizeKey("0")).toBe(0);
    expect(normalizeKey("42")).toBe(42);
    expect(normalizeKey("-3")).toBe(-3);
    for (const k of ["01", "+1", "-0", "1.5", " 1", "", "-"]) expect(normalizeKey(k)).toBe(k);
  });
  it("empty()", () => {
    for (const v of ["", "0", 0, null, false, [], {}, new PhpFloat(0)]) expect(phpEmpty(v)).toBe(true);
    for (const v of ["0.0", " ", "a", 1, true, [0], { a: null }]) expect(phpEmpty(v)).toBe(false);
  });
  it("float to string (precision 14) and to JSON (serialize_precision -1)", () => {
    expect(phpFloatToString(1)).toBe("1");
    expect(phpFloatToString(0.1)).toBe("0.1");
    expect(phpFloatToString(-0)).toBe("-0");
    expect(phpFloatToString(1e15)).toBe("1.0E+15");
    expect(phpFloatToString(0.1 + 0.2)).toBe("0.3");
    expect(phpFloatToJson(1)).toBe("1.0");
    expect(phpFloatToJson(-0)).toBe("-0.0");
    expect(phpFloatToJson(0.1 + 0.2)).toBe("0.30000000000000004");
    expect(phpFloatToJson(1e25)).toBe("1.0e+25");
    expect(phpFloatToJson(0.00001)).toBe("1.0e-5");
    expect(phpFloatToJson(0.0001)).toBe("0.0001");
  });
});

describe("JSON like PHP's json_decode(…, true) / json_encode", () => {
  it("keeps key order that JS objects would change", () => {
    const text = '{"u1": 1, "12": 2, "7": 3, "-3": 4}';
    expect(JSON.stringify(JSON.parse(text))).toBe('{"7":3,"12":2,"u1":1,"-3":4}');
    expect(phpJsonEncode(parsePhpJson(text))).toBe('{"u1":1,"12":2,"7":3,"-3":4}');
  });
  it("{} and objects keyed 0..n-1 are PHP lists", () => {
    expect(parsePhpJson("{}")).toEqual([]);
    expect(parsePhpJson('{"0": "a", "1": "b"}')).toEqual(["a", "b"]);
    expect(phpJsonEncode({ a: {}, b: { 0: "x" } })).toBe('{"a":[],"b":["x"]}');
  });
  it("duplicate keys: last value at the first position", () => {
    expect(phpJsonEncode(parsePhpJson('{"a": 1, "b": 2, "a": 3}'))).toBe('{"a":3,"b":2}');
  });
  it("integral floats stay floats", () => {
    const value = parsePhpJson("[1.0, -0.0, 1e3, 2.5, 3, -0]");
    expect(phpJsonEncode(value, { preserveZeroFraction: true })).toBe("[1.0,-0.0,1000.0,2.5,3,0]");
    // MISP's JsonTool::encode has no JSON_PRESERVE_ZERO_FRACTION: on the wire 1.0 is 1.
    expect(phpJsonEncode(value)).toBe("[1,-0,1000,2.5,3,0]");
    expect(phpJsonEncode([1e25, 1.5e-7])).toBe("[1.0e+25,1.5e-7]");
    expect(toPlainJson(value)).toEqual([1, -0, 1000, 2.5, 3, 0]);
  });
  it("PHP's default escaping on request", () => {
    expect(phpJsonEncode(["a/b", "é"], { phpEscapes: true })).toBe('["a\\/b","\\u00e9"]');
    expect(phpJsonEncode({ a: [1] }, { pretty: true })).toBe('{\n    "a": [\n        1\n    ]\n}');
  });
  it("rejects invalid JSON with a position", () => {
    expect(() => parsePhpJson('{"a": }')).toThrow(/position 6/);
    expect(() => parsePhpJson("[1] x")).toThrow(/after JSON value/);
  });
  it("parses what JSON.parse parses, including escapes and __proto__ keys", () => {
    const text = '{"s": "a\\"b\\u00e9\\n", "n": -12.5e-1, "__proto__": {"x": 1}, "t": [true, false, null]}';
    const value = parsePhpJson(text) as Map<string, unknown>;
    expect(value).toBeInstanceOf(Map);
    expect(value.get("s")).toBe('a"bé\n');
    expect(value.get("n")).toBe(-1.25);
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, "x")).toBe(false);
  });
});
