/** MISP's filter operators (docs/protocol.md#filters) and the filteredItems fallback (docs/protocol.md#action-request). */
import { describe, expect, it } from "vitest";
import {
  evaluateCondition,
  evaluateFilter,
  filterItemsAsMispSends,
  getItemsMatchingCondition,
  phpJsonEncode,
  PhpTypeError,
} from "../../../src/engines/cakephp-hash/index.js";

const attributes = [
  { id: "1", type: "ip-src", to_ids: true, comment: "C2", Tag: [{ name: "tlp:amber" }] },
  { id: "2", type: "domain", to_ids: false, comment: "" },
  { id: "3", type: "url", to_ids: true, comment: "", Tag: [{ name: "tlp:red" }, { name: "tlp:amber" }] },
];
const roaming = { Event: { id: "9", _AttributeFlattened: attributes } };
const keys = (items: unknown, value: unknown, operator: string, path: string) =>
  getItemsMatchingCondition(items, value, operator, path).map((k) => k.key);

describe("docs/protocol.md#filters verified consequences", () => {
  it("in with a boolean: any non-empty value matches true", () => {
    expect(evaluateCondition([true], "in", "abc")).toBe(true);
  });
  it("equals '1' matches to_ids true, '0' matches false", () => {
    expect(keys(attributes, "1", "equals", "to_ids")).toEqual([0, 2]);
    expect(keys(attributes, "0", "equals", "to_ids")).toEqual([1]);
  });
  it("not_in keeps items where the path is missing", () => {
    expect(keys(attributes, "tlp:amber", "not_in", "Tag.{n}.name")).toEqual([1]);
  });
  it("equals and not_equals drop items where the path is missing", () => {
    expect(keys(attributes, "tlp:amber", "equals", "Tag.{n}.name")).toEqual([0]);
    expect(keys(attributes, "x", "not_equals", "Tag.{n}.name")).toEqual([0, 2]);
  });
  it("equals compares the first extracted value only", () => {
    expect(keys(attributes, "tlp:red", "equals", "Tag.{n}.name")).toEqual([2]);
    expect(keys(attributes, "tlp:amber", "in", "Tag.{n}.name")).toEqual([0, 2]);
  });
  it("in_and is duplicate-sensitive, not_in_and order-sensitive", () => {
    expect(evaluateCondition(["a", "a", "b"], "in_and", ["a", "b"])).toBe(false);
    expect(evaluateCondition(["b", "a"], "in_and", ["a", "b"])).toBe(true);
    expect(evaluateCondition(["b", "a"], "not_in_and", ["a", "b"])).toBe(true);
    expect(evaluateCondition(["a", "b"], "not_in_and", ["a", "b"])).toBe(false);
  });
  it("in_and / not_in_and compare loosely (==) after array_values", () => {
    expect(evaluateCondition([true], "in_and", ["abc"])).toBe(true);
    expect(evaluateCondition(["1"], "in_and", [1])).toBe(true);
    expect(evaluateCondition(["a", "b"], "not_in_and", { x: "a", y: "b" })).toBe(false);
  });
  it("in_* operators with a string value (what the node dialog stores) are always false", () => {
    for (const op of ["in_or", "in_and", "not_in_or", "not_in_and"]) expect(evaluateCondition(["a"], op, "a"), op).toBe(false);
  });
  it("any_value: false and '' extractions count as non-empty", () => {
    expect(keys(attributes, "", "any_value", "comment")).toEqual([0, 1, 2]);
    expect(keys([{ f: false }, { f: null }, {}], "", "any_value", "f")).toEqual([0]);
  });
  it("an empty or unknown operator keeps nothing", () => {
    expect(keys(attributes, "x", "", "type")).toEqual([]);
    expect(keys(attributes, "x", "contains", "type")).toEqual([]);
  });
  it("an empty path compares the item itself; equals then looks at $item[0]", () => {
    expect(keys(["tlp:red", "tlp:amber"], "tlp:red", "in", "")).toEqual([]);
    expect(keys(["tlp:red", "x"], "t", "equals", "")).toEqual([0]); // "tlp:red"[0] === "t"
  });
  it("a path applied to scalar items is a TypeError in PHP", () => {
    expect(() => getItemsMatchingCondition(["a", "b"], "a", "in", "name")).toThrow(PhpTypeError);
  });
});

describe("filteredItems as MISP sends it", () => {
  const filter = { selector: "Event._AttributeFlattened.{n}", operator: "in", value: "tlp:amber", path: "Tag.{n}.name" };
  it("keeps original positions: survivors 0 and 2 form a position-keyed object", () => {
    const sent = filterItemsAsMispSends(roaming, filter);
    expect(phpJsonEncode(sent)).toBe(phpJsonEncode({ 0: attributes[0], 2: attributes[2] }));
    expect(Array.isArray(sent)).toBe(false);
  });
  it("survivors 0..k-1 form a list", () => {
    const sent = filterItemsAsMispSends(roaming, { ...filter, value: "C2", operator: "equals", path: "comment" });
    expect(sent).toEqual([attributes[0]]);
  });
  it("no match and no filter both send the whole data", () => {
    expect(filterItemsAsMispSends(roaming, { ...filter, value: "nothing" })).toBe(roaming);
    expect(filterItemsAsMispSends(roaming, { selector: "", value: "", operator: "", path: "" })).toBe(roaming);
    expect(filterItemsAsMispSends(roaming, null)).toBe(roaming);
  });
  it("an empty selector filters the top-level entries of the data", () => {
    const result = evaluateFilter(roaming, { selector: "", operator: "any_value", value: "", path: "id" });
    expect(result.items).toBe(roaming);
    expect(result.kept).toEqual([{ key: "Event", item: roaming.Event }]);
  });
  it("string keys keep their order next to int keys (a Map when JS would reorder)", () => {
    const items = { ip: { type: "ip-src" }, dom: { type: "domain" }, 7: { type: "ip-src" } };
    const ordered = new Map<string | number, unknown>([
      ["ip", items.ip],
      ["dom", items.dom],
      [7, items[7]],
    ]);
    const sent = filterItemsAsMispSends({ items: ordered }, { selector: "items", operator: "equals", value: "ip-src", path: "type" });
    expect(phpJsonEncode(sent)).toBe('{"ip":{"type":"ip-src"},"7":{"type":"ip-src"}}');
  });
});
