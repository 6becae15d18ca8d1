/** docs/protocol.md#hash-paths worked examples (verified against CakePHP under PHP 8.2), run on plain JSON data. */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  compilePath,
  extract,
  extractCompiled,
  extractStrict,
  hashGetPath,
  parsePhpJson,
  phpJsonEncode,
  PhpTypeError,
} from "../../../src/engines/cakephp-hash/index.js";

const event = {
  Event: {
    id: "42",
    info: "Phishing campaign",
    published: false,
    Tag: [
      { id: "1", name: "tlp:amber" },
      { id: "7", name: "type:OSINT" },
    ],
    Attribute: [
      { id: "100", type: "ip-dst", value: "203.0.113.5", to_ids: true, Tag: [{ name: "tlp:amber" }] },
      { id: "101", type: "domain", value: "evil.example", to_ids: false, Tag: [] },
      { id: "102", type: "ip-dst", value: "198.51.100.7", to_ids: true, comment: null },
    ],
  },
};

const worked: Array<[string, unknown]> = [
  ["Event.info", ["Phishing campaign"]],
  ["Event.published", [false]],
  ["Event.Tag", event.Event.Tag],
  ["Event", event.Event],
  ["Event.nope", []],
  ["Event.Attribute.1.value", ["evil.example"]],
  ["Event.Attribute.2.comment", []],
  ["Event.Attribute.{n}.value", ["203.0.113.5", "evil.example", "198.51.100.7"]],
  ["Event.Attribute.{*}.id", ["100", "101", "102"]],
  ["Event.Attribute.{n}.Tag", [[{ name: "tlp:amber" }], []]],
  ["Event.Attribute.{n}.Tag.{n}.name", ["tlp:amber"]],
  ["Event.Attribute.{n}[type=ip-dst].value", ["203.0.113.5", "198.51.100.7"]],
  ["Event.Attribute.{n}[type=IP-DST].id", []],
  ["Event.Attribute.{n}[type!=domain].id", ["100", "102"]],
  ["Event.Attribute.{n}[to_ids=1].id", ["100", "102"]],
  ["Event.Attribute.{n}[to_ids=true].id", ["100", "102"]],
  ["Event.Attribute.{n}[to_ids=0].id", ["101"]],
  ["Event.Attribute.{n}[id>100].value", ["evil.example", "198.51.100.7"]],
  ["Event.Attribute.{n}[id<101].id", ["100"]],
  ["Event.Attribute.{n}[id>=101].value", ["evil.example", "198.51.100.7"]],
  ["Event.Attribute.{n}[id<=101].value", ["203.0.113.5", "evil.example"]],
  ["Event.Attribute.{n}[id!=101].id", ["100", "102"]],
  ["Event.Attribute[id=100]", []],
  ["Event.Attribute.{n}[ type = ip-dst ].id", []],
  ["Event.Attribute.{n}[type=/^IP/i].id", ["100", "102"]],
  ["Event.Attribute.{n}[id>99][id<102].id", ["100", "101"]],
  ["Event.Attribute.{n}[type=ip-dst][to_ids=1].value", ["203.0.113.5", "198.51.100.7"]],
  ["Event.Attribute.{n}[value=/^198\\./].id", ["102"]],
  ["Event.Attribute.{n}[value=/^EVIL/i].id", ["101"]],
  ["Event.Attribute.{n}[Tag].id", ["100", "101"]],
  ["Event.Attribute.{n}[comment].id", []],
  ["Event.Attribute.{n}[id=].id", ["100", "101", "102"]],
  ["Event.Tag.{n}[name=/^tlp:/].name", ["tlp:amber"]],
  ["Event.{s}", ["42", "Phishing campaign", false, event.Event.Tag, event.Event.Attribute]],
  ["{s}.info", ["Phishing campaign"]],
  ["Event.info.{n}", ["Phishing campaign"]],
  ["Event.info.0", []],
  ["Event.Attribute.{n}.value.{n}", ["203.0.113.5", "evil.example", "198.51.100.7"]],
  ["Event..info", []],
  ["0", event],
  ["", event],
];

describe("docs/protocol.md#hash-paths worked examples", () => {
  it.each(worked)("%s", (path, expected) => {
    expect(extract(event, path)).toEqual(expected);
  });

  it("returns references into the data, not copies", () => {
    const result = extract(event, "Event.Attribute.{n}[type=ip-dst]") as unknown[];
    expect(result[0]).toBe(event.Event.Attribute[0]);
    expect(extract(event, "Event")).toBe(event.Event);
  });
});

describe("docs/protocol.md#hash-paths type juggling", () => {
  const data = [{ v: true }, { v: "true" }, { v: 1 }, { v: "abc" }, { v: null }, { v: 0 }, { v: "10" }, { v: "9" }, { v: [1] }];
  const cases: Array<[string, unknown[]]> = [
    ["{n}[v=1].v", [true, 1]],
    ["{n}[v=true].v", [true, "true"]],
    ["{n}[v!=1].v", ["true", "abc", null, 0, "10", "9", [1]]],
    ["{n}[v=0].v", [0]],
    ["{n}[v>5].v", ["true", "abc", "10", "9", [1]]],
    ["{n}[v<abc].v", [1, null, 0, "10", "9"]],
  ];
  it.each(cases)("%s", (path, expected) => {
    expect(extract(data, path)).toEqual(expected);
  });
});

describe("docs/protocol.md#hash-paths key classes", () => {
  // Order matters here, so decode like PHP (JS would list "0", "1", "-3"... first).
  const data = parsePhpJson(
    '{"a": {"1": "one", "01": "zero-one", "1.5": "f", "x": "ex", "-3": "neg", "0": "zero"}, "b": [null, "v", false, 0, ""]}',
  );
  const cases: Array<[string, unknown]> = [
    ["a.{n}", ["one", "zero-one", "f", "neg", "zero"]],
    ["a.{s}", ["zero-one", "f", "ex"]],
    ["a.01", ["zero-one"]],
    ["b.{n}", [null, "v", false, 0, ""]],
    ["b.0", []],
    ["b.2", [false]],
    ["b.3", [0]],
    ["b.4", [""]],
    ["{s}.1", ["one", "zero-one", "v"]],
    ["{s}.01", ["one", "zero-one", "v"]],
  ];
  it.each(cases)("%s", (path, expected) => {
    expect(phpJsonEncode(extract(data, path))).toBe(phpJsonEncode(expected));
  });

  it("numeric tokens match loosely in complex paths, exactly in simple ones", () => {
    const d = parsePhpJson('{"a": {"1": "one", "01": "zero-one", "1.0": "p"}}');
    expect(extract(d, "{s}.1")).toEqual(["one", "zero-one", "p"]);
    expect(extract(d, "{s}.01")).toEqual(["one", "zero-one", "p"]);
    expect(extract(d, "a.01")).toEqual(["zero-one"]);
  });
});

describe("PHP array shapes of simple-path results", () => {
  it("an object with keys 0..n-1 in order or an empty object is a PHP list", () => {
    expect(extract({ a: { 0: "x", 1: "y" } }, "a")).toEqual(["x", "y"]);
    expect(extract({ a: {} }, "a")).toEqual([]);
    expect(extract({ a: { 1: "x" } }, "a")).toEqual({ 1: "x" });
  });
});

describe("tokenizer quirks", () => {
  const data = {
    items: [
      { name: "a]b", k: 1 },
      { name: "c[d", k: 2 },
      { name: "g.h", k: 4 },
    ],
  };
  it("dots inside brackets do not split, tokens are trimmed", () => {
    expect(extract(data, "items.{n}[name=g.h].k")).toEqual([4]);
    expect(extract(data, " items . {n}[k=1] . name ")).toEqual(["a]b"]);
  });
  it("an unbalanced '[' swallows the rest of the path into one token, as CakeText::tokenize does", () => {
    const compiled = compilePath("items.{n}[name=c[d].k");
    expect(compiled.kind === "complex" && compiled.tokens.map((t) => t.text)).toEqual(["items", "{n}[name=c[d].k"]);
    expect(extract(data, "items.{n}[name=c[d].k")).toEqual([{ name: "c[d", k: 2 }]);
  });
  it("a stray ']' makes the depth negative and stops later dots from splitting", () => {
    const compiled = compilePath("items.{n}[name=a]b].k");
    expect(compiled.kind === "complex" && compiled.tokens.map((t) => t.text)).toEqual(["items", "{n}[name=a]b].k"]);
    expect(extract(data, "items.{n}[name=a]b].k")).toEqual([]);
  });
  it("without '[' tokens are not trimmed", () => {
    expect(extract({ " a": ["x"] }, "{s}. a")).toEqual([]);
    expect(extract({ a: { " b": "x" } }, "{s}. b")).toEqual(["x"]);
  });
});

describe("TypeError cases", () => {
  const data = { list: [{ v: ["array"] }, { v: "text" }] };
  it("a regex condition on an array property: strict throws like PHP, lenient is no match", () => {
    expect(() => extractStrict(data, "list.{n}[v=/x/].v")).toThrow(PhpTypeError);
    expect(extract(data, "list.{n}[v=/x/].v")).toEqual(["text"]);
  });
  it("data that is not an array", () => {
    expect(() => extractStrict("scalar", "a.b")).toThrow(PhpTypeError);
    expect(extract("scalar", "a.b")).toEqual([]);
    expect(extract("scalar", "")).toBe("scalar");
  });
  it("an invalid regex is a warning and matches nothing", () => {
    const warnings: string[] = [];
    expect(extractStrict({ list: [{ v: "text" }] }, "list.{n}[v=/(/].v", (w) => warnings.push(w))).toEqual([]);
    expect(warnings[0]).toMatch(/preg_match/);
  });
});

describe("Hash::get and precompiled paths", () => {
  it("hashGetPath walks with isset() semantics and returns the value itself", () => {
    expect(hashGetPath(event, "Event.Attribute.0.type")).toBe("ip-dst");
    expect(hashGetPath(event, "Event.Attribute.2.comment")).toBeNull();
    expect(hashGetPath(event, "Event.Tag")).toBe(event.Event.Tag);
    expect(hashGetPath(event, "Event.{n}")).toBeNull();
  });
  it("extractCompiled runs a compiled path, strict on request", () => {
    const compiled = compilePath("Event.Attribute.{n}[type=ip-dst].id");
    expect(extractCompiled(event, compiled)).toEqual(["100", "102"]);
    expect(() => extractCompiled({ a: [{ v: [1] }] }, compilePath("a.{n}[v=/x/]"), { strict: true })).toThrow(PhpTypeError);
  });
});

describe("compilePath", () => {
  it("caches compiled paths", () => {
    expect(compilePath("Event.Attribute.{n}.value")).toBe(compilePath("Event.Attribute.{n}.value"));
  });
  it("classifies paths like Hash::extract", () => {
    expect(compilePath("").kind).toBe("empty");
    expect(compilePath("0").kind).toBe("empty");
    expect(compilePath("Event.info").kind).toBe("simple");
    expect(compilePath("Event.{n}").kind).toBe("complex");
    expect(compilePath("Event[id=1]").kind).toBe("complex");
  });
});

describe("plain JSON.parse data and the PHP-order model agree on the roaming fixtures", () => {
  const dir = new URL("../../fixtures/roaming/", import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
  const paths = [
    "Event._AttributeFlattened.{n}[type=/^ip-/].value",
    "Event._AttributeFlattened.{n}._allTags.{n}[inherited=0].name",
    "Event.Object.{n}[name=file].Attribute.{n}[to_ids=1].value",
    "Event.Galaxy.{n}.GalaxyCluster.{n}.meta",
    "Event.{s}",
    "{*}.Tag.{n}.name",
    "Event.Orgc",
  ];
  it.each(files)("%s", (file) => {
    const text = readFileSync(new URL(file, dir), "utf8");
    const plain = JSON.parse(text);
    const model = parsePhpJson(text);
    for (const path of paths) expect(phpJsonEncode(extract(plain, path)), path).toBe(phpJsonEncode(extract(model, path)));
    expect((extract(plain, "Event._AttributeFlattened.{n}") as unknown[]).length).toBe(plain.Event._AttributeFlattened.length);
  });
});
