import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../helpers/app.js";
import { ASN, GEOLOCATION, MispStandardReplySchema, type MispStandardResults } from "../../../src/modules/shared/misp-format/index.js";
import { startStub, type StubRequest, type StubReply, type UpstreamStub } from "./upstream-stub.js";
import { attachEnrichment, attributeRow, batch, hover, interactive } from "./misp-requests.js";

// mmdb-server's /geolookup/<ip>: a list with one entry per database served (country-only and
// country+ASN), country_info {} for unknown countries, HTTP 422 with a JSON string for a bad IP.
function entry(ip: string, source: string, withAsn: boolean, known = true): Record<string, unknown> {
  return {
    country: withAsn
      ? { iso_code: "BE", AutonomousSystemNumber: "49677", AutonomousSystemOrganization: "MAEHDROS-AS" }
      : { iso_code: "BE" },
    meta: {
      description: { en: "Geo Open MMDB database - https://github.com/adulau/mmdb-server" },
      build_db: withAsn ? "2022-02-06 10:30:25" : "2022-02-05 11:37:33",
      db_source: source,
      nb_nodes: 1159974,
    },
    ip,
    country_info: known
      ? {
          Country: "Belgium",
          "Alpha-2 code": "BE",
          "Alpha-3 code": "BEL",
          "Numeric code": "56",
          "Latitude (average)": "50.8333",
          "Longitude (average)": "4",
        }
      : {},
  };
}

function mmdbUpstream(req: StubRequest): StubReply {
  const ip = decodeURIComponent(/^\/geolookup\/(.+)$/.exec(req.path)?.[1] ?? "");
  if (ip === "192.0.2.99")
    return { json: [entry(ip, "GeoOpen-Country", false, false), { ...entry(ip, "GeoOpen-Country-ASN", false, false), country: {} }] };
  if (ip === "192.0.2.50") return { status: 500, body: "Internal Server Error" };
  if (ip === "192.0.2.77") return { json: { unexpected: true } };
  if (ip === "192.0.2.53") return { status: 503, body: "Service Unavailable" };
  if (!/^[0-9a-f.:]+$/i.test(ip)) return { status: 422, json: "Invalid IP address" };
  return { json: [entry(ip, "GeoOpen-Country", false), entry(ip, "GeoOpen-Country-ASN", true)] };
}

let stub: UpstreamStub;
let t: TestApp;
beforeAll(async () => {
  stub = await startStub(mmdbUpstream);
  t = await startTestApp({ modules: { mmdb_lookup: { custom_API: stub.url } } });
}, 120_000);
afterAll(async () => {
  await t?.close();
  await stub?.close();
});

const noSettings = { custom_API: null, db_source_filter: null, max_country_info_qt: null };

function resultsOf(body: unknown): MispStandardResults {
  const reply = MispStandardReplySchema.parse(body);
  if ("error" in reply) throw new Error(`expected results, got ${JSON.stringify(body)}`);
  return reply.results as MispStandardResults;
}

describe("mmdb_lookup: found", () => {
  it("one geolocation object per database and an asn object, all referencing the attribute", async () => {
    const attr = attributeRow("ip-dst", "188.65.220.25");
    const results = resultsOf((await t.query(interactive("mmdb_lookup", attr, noSettings))).body);
    expect(results.Attribute).toEqual([attr]);
    const objects = results.Object!;
    expect(objects.map((o) => o.name)).toEqual(["geolocation", "geolocation", "asn"]);
    const [geo, , asn] = objects;
    expect(geo).toMatchObject({ "meta-category": "misc", template_uuid: GEOLOCATION.uuid });
    expect(geo!.Attribute.map((a) => [a.object_relation, a.type, a.value, a.disable_correlation])).toEqual([
      ["country", "text", "Belgium", false],
      ["countrycode", "text", "BE", false],
      ["latitude", "float", "50.8333", true],
      ["longitude", "float", "4", true],
      ["text", "text", "db_source: GeoOpen-Country. build_db: 2022-02-05 11:37:33. Latitude and longitude are country average.", true],
    ]);
    expect(asn).toMatchObject({ "meta-category": "network", template_uuid: ASN.uuid });
    expect(asn!.Attribute.map((a) => [a.object_relation, a.type, a.value])).toEqual([
      ["asn", "AS", "49677"],
      ["description", "text", "ASNOrganization: MAEHDROS-AS. db_source: GeoOpen-Country-ASN. build_db: 2022-02-06 10:30:25."],
    ]);
    for (const o of objects)
      expect(o.ObjectReference).toEqual([
        { uuid: expect.any(String), object_uuid: o.uuid, referenced_uuid: attr.uuid, relationship_type: "related-to" },
      ]);
    expect(stub.requests.at(-1)!.path).toBe("/geolookup/188.65.220.25");
  });

  it("ip|port types, IPv6, hover, batch and Attach enrichment", async () => {
    const withPort = resultsOf((await t.query(hover("mmdb_lookup", attributeRow("ip-src|port", "198.51.100.7|443"), noSettings))).body);
    expect(withPort.Object).toHaveLength(3);
    expect(stub.requests.at(-1)!.path).toBe("/geolookup/198.51.100.7");
    resultsOf((await t.query(batch("mmdb_lookup", attributeRow("ip-dst", "2001:db8::1"), noSettings))).body);
    expect(decodeURIComponent(stub.requests.at(-1)!.path)).toBe("/geolookup/2001:db8::1");
    const attached = resultsOf((await t.query(attachEnrichment("mmdb_lookup", attributeRow("ip-src", "203.0.113.9")))).body);
    expect(attached.Object).toHaveLength(3);
  });

  it("db_source_filter keeps one database; max_country_info_qt caps geolocation objects only", async () => {
    const attr = attributeRow("ip-dst", "188.65.220.26");
    const filtered = resultsOf(
      (await t.query(interactive("mmdb_lookup", attr, { ...noSettings, db_source_filter: "GeoOpen-Country-ASN" }))).body,
    );
    expect(filtered.Object!.map((o) => o.name)).toEqual(["geolocation", "asn"]);
    const capped = resultsOf((await t.query(interactive("mmdb_lookup", attr, { ...noSettings, max_country_info_qt: "1" }))).body);
    expect(capped.Object!.map((o) => o.name)).toEqual(["geolocation", "asn"]);
    const unlimited = resultsOf((await t.query(interactive("mmdb_lookup", attr, { ...noSettings, max_country_info_qt: "" }))).body);
    expect(unlimited.Object).toHaveLength(3);
    expect((await t.query(interactive("mmdb_lookup", attr, { ...noSettings, db_source_filter: "Nope" }))).body).toEqual({
      error: "There was no result with the selected db_source",
      results: [],
    });
    expect((await t.query(interactive("mmdb_lookup", attr, { ...noSettings, max_country_info_qt: "two" }))).body).toEqual({
      error: 'max_country_info_qt must be a whole number, got "two"',
      results: [],
    });
  });
});

describe("mmdb_lookup: not found and errors", () => {
  it("no country info → 'Empty result returned by server'", async () => {
    expect((await t.query(hover("mmdb_lookup", attributeRow("ip-dst", "192.0.2.99"), noSettings))).body).toEqual({
      error: "Empty result returned by server",
      results: [],
    });
  });
  it("HTTP errors and unexpected answers", async () => {
    expect((await t.query(batch("mmdb_lookup", attributeRow("ip-dst", "192.0.2.50"), noSettings))).body).toEqual({
      error: "API not accessible - http status code 500 was returned",
      results: [],
    });
    expect((await t.query(batch("mmdb_lookup", attributeRow("ip-dst", "192.0.2.77"), noSettings))).body).toEqual({
      error: "mmdb_lookup: unexpected answer from the mmdb server (not a list)",
      results: [],
    });
  });
  it("a 503 (retried by the HTTP layer) still gives an error inside the hover budget", async () => {
    const started = Date.now();
    const r = await t.query(hover("mmdb_lookup", attributeRow("ip-dst", "192.0.2.53"), noSettings));
    expect(r.body).toEqual({ error: "API not accessible - http status code 503 was returned", results: [] });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(stub.requests.filter((q) => q.path === "/geolookup/192.0.2.53").length).toBeGreaterThanOrEqual(1);
  });

  it("input errors without asking", async () => {
    const before = stub.requests.length;
    expect((await t.query(interactive("mmdb_lookup", attributeRow("ip-dst", "not-an-ip"), noSettings))).body).toEqual({
      error: "invalid IP address",
      results: [],
    });
    expect((await t.query(interactive("mmdb_lookup", attributeRow("domain", "example.org"), noSettings))).body).toEqual({
      error: "There is no attribute of type ip-src or ip-dst provided as input",
      results: [],
    });
    expect(stub.requests.length).toBe(before);
  });
  it("answers are cached per IP, whatever the filter settings", async () => {
    const attr = attributeRow("ip-dst", "198.51.100.200");
    await t.query(hover("mmdb_lookup", attr, noSettings));
    await t.query(hover("mmdb_lookup", attr, { ...noSettings, db_source_filter: "GeoOpen-Country" }));
    expect(stub.requests.filter((r) => r.path === "/geolookup/198.51.100.200")).toHaveLength(1);
  });
});
