import { describe, expect, it } from "vitest";
import {
  ASN,
  ExpansionErrorReplySchema,
  GEOLOCATION,
  HASHLOOKUP,
  MispResultBuilder,
  MispStandardReplySchema,
  MispStandardResultsSchema,
  OBJECT_TEMPLATES,
  SimplifiedReplySchema,
  TOR_HIDDENSERVICE,
  expansionError,
  simplifiedResult,
  tagList,
} from "../../../src/modules/shared/misp-format/index.js";

const INPUT_UUID = "6b3c1f7e-1111-4c4c-9a9a-0123456789ab";
const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("MispResultBuilder", () => {
  it("builds template-conformant objects with fresh v4 uuids, template flags and references", () => {
    const b = new MispResultBuilder();
    b.addAttribute({ uuid: INPUT_UUID, type: "sha1", value: "a".repeat(40), id: "100" });
    const obj = b
      .addObject(HASHLOOKUP)
      .add("SHA-1", "a".repeat(40))
      .add("FileName", "ls")
      .add("FileSize", 10)
      .add("source", "  ")
      .add("KnownMalicious", null);
    obj.addReference(INPUT_UUID, "related-to");
    const results = MispStandardResultsSchema.parse(b.build());
    const o = results.Object![0]!;
    expect(o).toMatchObject({
      name: "hashlookup",
      "meta-category": "file",
      template_uuid: HASHLOOKUP.uuid,
      template_version: "3",
      distribution: "5",
      sharing_group_id: "0",
    });
    expect(o.uuid).toMatch(V4);
    expect(o.Attribute.map((a) => [a.object_relation, a.type, a.value, a.disable_correlation])).toEqual([
      ["SHA-1", "sha1", "a".repeat(40), false],
      ["FileName", "filename", "ls", true],
      ["FileSize", "size-in-bytes", "10", true],
    ]);
    for (const a of o.Attribute) expect(a.uuid).toMatch(V4);
    expect(o.ObjectReference[0]).toMatchObject({ object_uuid: o.uuid, referenced_uuid: INPUT_UUID, relationship_type: "related-to" });
  });

  it("refuses relations the template lacks and repeats of single relations; allows multiple ones", () => {
    const b = new MispResultBuilder();
    const obj = b.addObject(TOR_HIDDENSERVICE).add("address", "x.onion");
    expect(() => obj.add("nonsense", "v")).toThrow(/no relation nonsense/);
    expect(() => obj.add("address", "y.onion")).toThrow(/only once/);
    obj.addAll("title", ["a", "b"]);
    expect(b.build().Object![0]!.Attribute).toHaveLength(3);
  });

  it("drops objects without attributes and omits empty keys; tags are deduplicated [{name}]", () => {
    const b = new MispResultBuilder();
    b.addObject(GEOLOCATION).add("country", "");
    expect(b.build()).toEqual({});
    expect(b.objectCount).toBe(0);
    const attr = b.newAttribute("text", "hello", { tags: ["a", "a", " ", "b"], comment: "c" });
    expect(attr).toMatchObject({ type: "text", value: "hello", Tag: [{ name: "a" }, { name: "b" }], comment: "c" });
    expect(b.newAttribute("text", "")).toBeUndefined();
    b.addEventTag("tlp:green");
    expect(Object.keys(b.build())).toEqual(["Attribute", "Tag"]);
    expect(tagList(["x", "x"])).toEqual([{ name: "x" }]);
  });

  it("template facts match docs/protocol.md#misp-objects", () => {
    expect(Object.keys(OBJECT_TEMPLATES).sort()).toEqual(["asn", "geolocation", "hashlookup", "tor-hiddenservice"]);
    expect([TOR_HIDDENSERVICE.uuid, HASHLOOKUP.uuid, GEOLOCATION.uuid, ASN.uuid]).toEqual([
      "cbac07d6-fbe9-43b8-8d91-d515812ce330",
      "18671816-2524-452e-b031-5fc0fe2ab774",
      "cd6f2238-ba55-4888-82c4-104e6e1acf21",
      "4ec55cc6-9e49-4c64-b794-03c25c1a6587",
    ]);
    expect(ASN.relations.asn!.type).toBe("AS");
    expect(TOR_HIDDENSERVICE.relations.address!.type).toBe("onion-address");
    expect(GEOLOCATION.relations.latitude).toEqual({ type: "float", disableCorrelation: true, multiple: false });
  });
});

describe("reply schemas", () => {
  const obj = () => {
    const b = new MispResultBuilder();
    b.addObject(ASN).add("asn", "49677").addReference(INPUT_UUID, "related-to");
    return b.build();
  };

  it("accept builder output and the error form; reject what MISP would mishandle", () => {
    expect(MispStandardReplySchema.safeParse({ results: obj() }).success).toBe(true);
    expect(ExpansionErrorReplySchema.safeParse(expansionError("x")).success).toBe(true);
    // error without results (aborts MISP's batch job), stray top-level keys (hover "No result"), error not a string
    expect(MispStandardReplySchema.safeParse({ error: "x" }).success).toBe(false);
    expect(MispStandardReplySchema.safeParse({ results: { ...obj(), EventReportz: [] } }).success).toBe(false);
    expect(MispStandardReplySchema.safeParse({ error: ["x"], results: [] }).success).toBe(false);
  });

  it("check objects against known templates, references and uuid uniqueness", () => {
    const wrongType = obj();
    wrongType.Object![0]!.Attribute[0]!.type = "text";
    expect(MispStandardResultsSchema.safeParse(wrongType).success).toBe(false);
    const wrongTemplate = obj();
    wrongTemplate.Object![0]!.template_uuid = "4ec55cc6-9e49-4c64-b794-000000000000";
    expect(MispStandardResultsSchema.safeParse(wrongTemplate).success).toBe(false);
    const badRef = obj();
    badRef.Object![0]!.ObjectReference[0]!.object_uuid = INPUT_UUID;
    expect(MispStandardResultsSchema.safeParse(badRef).success).toBe(false);
    const dup = obj();
    dup.Object![0]!.Attribute[0]!.uuid = dup.Object![0]!.uuid;
    expect(MispStandardResultsSchema.safeParse(dup).success).toBe(false);
    const echoWithExtras = { Attribute: [{ uuid: INPUT_UUID, type: "sha1", value: "a", _allTags: [] }] };
    expect(MispStandardResultsSchema.safeParse(echoWithExtras).success).toBe(false);
  });

  it("simplified results", () => {
    const entry = simplifiedResult(["ip-src", "ip-dst"], ["192.0.2.1", "", "0"], { comment: "c", tags: ["t", "t"] });
    expect(entry).toEqual({ types: ["ip-src", "ip-dst"], values: ["192.0.2.1"], comment: "c", tags: ["t"] });
    expect(SimplifiedReplySchema.safeParse({ results: [entry] }).success).toBe(true);
    expect(SimplifiedReplySchema.safeParse({ results: [{ values: ["x"] }] }).success).toBe(false);
  });
});
