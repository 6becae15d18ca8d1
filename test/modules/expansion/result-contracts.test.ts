import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../helpers/app.js";
import { startDnsServer, type TestDnsServer } from "../../helpers/dns-server.js";
import { startStub, type StubRequest, type StubReply, type UpstreamStub } from "./upstream-stub.js";
import { attachEnrichment, attributeRow, simplifiedAttach } from "./misp-requests.js";
import { extract } from "../../../src/engines/cakephp-hash/index.js";
import { builtinRoot, loadRoot } from "../../../src/core/registry/loader.js";
import { ModuleRegistry } from "../../../src/core/registry/registry.js";

// The order of objects and the relation names and types of every expansion module's results
// are a contract: MISP's shipped workflow blueprints select enrichment results by position and
// relation (`enrichment.{n}.Object.0`, `[object_relation=FileName].type`; see docs/expansions.md).
// "Attach enrichment" stores each reply's `results` in the attribute's `enrichment` list, so the
// blueprint paths are evaluated here on exactly that shape, with our CakePHP Hash::extract.

const ONION = "found" + "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwxyz234567".slice(0, 51);
const SHA1 = "732458574c63c3790cad093a36eadfb990d11ee6";

function mmdbEntry(source: string, asn: string | undefined): Record<string, unknown> {
  return {
    country: asn ? { iso_code: "LU", AutonomousSystemNumber: asn, AutonomousSystemOrganization: "RESTENA" } : { iso_code: "LU" },
    meta: { build_db: "2024-01-01 00:00:00", db_source: source },
    country_info: { Country: "Luxembourg", "Latitude (average)": "49.75", "Longitude (average)": "6.1667" },
  };
}

function upstream(req: StubRequest): StubReply {
  if (req.path.startsWith("/lookup/sha1/")) {
    return {
      json: {
        "SHA-1": SHA1.toUpperCase(),
        MD5: "A3DF7A4E2AB2E1B4C8A8E1E1B2C3D4E5",
        "SHA-256": "B1A5C2A3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F",
        SSDEEP: "3072:abc:def",
        TLSH: "T1ABCDEF",
        FileName: "./usr/bin/ls",
        FileSize: "142144",
        source: "NSRL",
        KnownMalicious: "none",
        PackageName: "coreutils",
        PackageVersion: "8.32",
        PackageRelease: "4",
        PackageArch: "amd64",
        PackageMaintainer: "Debian",
        PackageDescription: "GNU core utilities",
      },
    };
  }
  // Reference order of one answer is per database: geolocation, then its asn when it has one.
  if (req.path === "/geolookup/192.0.2.1")
    return { json: [mmdbEntry("GeoOpen-Country", undefined), mmdbEntry("GeoOpen-Country-ASN", "2602")] };
  if (req.path === "/geolookup/192.0.2.2")
    return { json: [mmdbEntry("GeoOpen-Country-ASN", "2602"), mmdbEntry("GeoOpen-Country", undefined)] };
  if (req.path.startsWith("/api/lookup/")) {
    return {
      json: {
        id: `${ONION}.onion`,
        first_seen: "2023-01-05",
        last_seen: "2024-10-01",
        languages: ["en"],
        titles: ["Example"],
        tags: ['dark-web:topic="market"'],
      },
    };
  }
  return { status: 404, json: { message: "not found" } };
}

let stub: UpstreamStub;
let dns: TestDnsServer;
let t: TestApp;
beforeAll(async () => {
  stub = await startStub(upstream);
  dns = await startDnsServer({ "www.example.test": { A: ["192.0.2.10", "192.0.2.11"] } });
  t = await startTestApp({
    modules: {
      hashlookup: { custom_API: stub.url },
      mmdb_lookup: { custom_API: stub.url },
      onion_lookup: { custom_API: stub.url },
      dns: { nameserver: dns.address },
    },
  });
}, 120_000);
afterAll(async () => {
  await t?.close();
  await stub?.close();
  await dns?.close();
});

type Results = {
  Attribute?: Array<Record<string, unknown>>;
  Object?: Array<{ name: string; Attribute: Array<{ object_relation: string; type: string; value: string }> }>;
};

/** What "Attach enrichment" leaves on the attribute: `enrichment` = the list of replies' results. */
async function attached(module: string, type: string, value: string): Promise<{ results: Results; attribute: Record<string, unknown> }> {
  const r = await t.query(attachEnrichment(module, attributeRow(type, value)));
  expect(r.status).toBe(200);
  expect(r.body.error).toBeUndefined();
  const results = r.body.results as Results;
  return { results, attribute: { type, value, enrichment: [results] } };
}

const relations = (o: { Attribute: Array<{ object_relation: string; type: string }> }) =>
  o.Attribute.map((a) => [a.object_relation, a.type]);

const PINNED = ["dns", "hashlookup", "jinja_template_rendering", "mmdb_lookup", "onion_lookup"];

describe("enrichment output order and relation names are pinned for every expansion module", () => {
  it("every built-in expansion module has a case below", async () => {
    const registry = new ModuleRegistry();
    await loadRoot(builtinRoot(), "builtin", registry, { allowShadowing: false, log: { info() {}, warn() {}, error() {} } });
    const expansions = registry
      .all()
      .filter((m) => m.descriptor.type === "expansion")
      .map((m) => m.descriptor.name)
      .sort();
    expect(expansions).toEqual(PINNED);
  });

  it("hashlookup: one hashlookup object; hashes first, then the text relations; FileName is a filename", async () => {
    const { results, attribute } = await attached("hashlookup", "sha1", SHA1);
    expect(results.Object!.map((o) => o.name)).toEqual(["hashlookup"]);
    expect(relations(results.Object![0]!)).toEqual([
      ["MD5", "md5"],
      ["SHA-1", "sha1"],
      ["SHA-256", "sha256"],
      ["SSDEEP", "ssdeep"],
      ["TLSH", "tlsh"],
      ["source", "text"],
      ["KnownMalicious", "text"],
      ["FileName", "filename"],
      ["FileSize", "size-in-bytes"],
      ["PackageName", "text"],
      ["PackageVersion", "text"],
      ["PackageRelease", "text"],
      ["PackageArch", "text"],
      ["PackageMaintainer", "text"],
      ["PackageDescription", "text"],
    ]);
    // The paths of MISP's blueprints ("Curation - Remove automation flag from known non-malicious hashes").
    expect(extract(attribute, "enrichment.{n}.Object.{n}.Attribute.{n}[object_relation=FileName].type")).toEqual(["filename"]);
    expect(extract(attribute, "enrichment.0.Object.0.Attribute.{n}[object_relation=FileName].value")).toEqual(["./usr/bin/ls"]);
  });

  it("mmdb_lookup: geolocation is Object.0, before asn, whatever database answers first", async () => {
    for (const ip of ["192.0.2.1", "192.0.2.2"]) {
      const { results, attribute } = await attached("mmdb_lookup", "ip-src", ip);
      const objects = results.Object!;
      expect(objects[0]!.name).toBe("geolocation");
      expect(relations(objects[0]!)).toEqual([
        ["country", "text"],
        ["countrycode", "text"],
        ["latitude", "float"],
        ["longitude", "float"],
        ["text", "text"],
      ]);
      const asn = objects.find((o) => o.name === "asn")!;
      expect(relations(asn)).toEqual([
        ["asn", "AS"],
        ["description", "text"],
      ]);
      // The paths of the two "Curation - … location/country" blueprints.
      expect(extract(attribute, "enrichment.{n}.Object.0.name")).toEqual(["geolocation"]);
      expect(extract(attribute, "enrichment.{n}.Object.0.Attribute.{n}[object_relation=country].value")).toEqual(["Luxembourg"]);
    }
    // Per database, as the reference emits them: its geolocation, then its asn.
    expect((await attached("mmdb_lookup", "ip-src", "192.0.2.1")).results.Object!.map((o) => o.name)).toEqual([
      "geolocation",
      "geolocation",
      "asn",
    ]);
    expect((await attached("mmdb_lookup", "ip-src", "192.0.2.2")).results.Object!.map((o) => o.name)).toEqual([
      "geolocation",
      "asn",
      "geolocation",
    ]);
  });

  it("onion_lookup: one tor-hiddenservice object with address first", async () => {
    const { results, attribute } = await attached("onion_lookup", "onion-address", `${ONION}.onion`);
    expect(results.Object!.map((o) => o.name)).toEqual(["tor-hiddenservice"]);
    expect(relations(results.Object![0]!)).toEqual([
      ["address", "onion-address"],
      ["first-seen", "datetime"],
      ["last-seen", "datetime"],
      ["language", "text"],
      ["title", "text"],
    ]);
    expect(extract(attribute, "enrichment.{n}.Object.0.Attribute.{n}[object_relation=address].value")).toEqual([`${ONION}.onion`]);
  });

  it("dns (simplified): one result, types ip-src then ip-dst, values in answer order", async () => {
    const r = await t.query(simplifiedAttach("dns", "hostname", "www.example.test"));
    expect(r.body).toEqual({ results: [{ types: ["ip-src", "ip-dst"], values: ["192.0.2.10", "192.0.2.11"] }] });
  });

  it("jinja_template_rendering (simplified): the rendering is results.0.values.0, typed text", async () => {
    const text = JSON.stringify({ template: "{{ Event.id }}", data: { Event: { id: "7" } } });
    const r = await t.query({ module: "jinja_template_rendering", text });
    expect(r.body).toEqual({ results: [{ types: ["text"], values: ["7"] }] });
  });
});
