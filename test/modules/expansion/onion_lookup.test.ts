import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../helpers/app.js";
import { MispStandardReplySchema, TOR_HIDDENSERVICE, type MispStandardResults } from "../../../src/modules/shared/misp-format/index.js";
import { onionServiceLabel } from "../../../src/modules/expansion/onion_lookup.js";
import { startStub, type StubRequest, type StubReply, type UpstreamStub } from "./upstream-stub.js";
import { attachEnrichment, attributeRow, batch, hover, interactive } from "./misp-requests.js";

/** A v3 service label (56 base32 characters) starting with `prefix`. */
function label(prefix: string): string {
  return (prefix + "abcdefghijklmnopqrstuvwxyz234567".repeat(2)).slice(0, 56);
}

const FOUND = label("found");
const TAGS = ['dark-web:topic="drugs-narcotics"', 'infoleak:submission="crawler"'];

// Answers of onion.ail-project.org's /api/lookup/<address> (all HTTP 200): the record, an error
// object for a bad format, AIL's relayed `[{error, domain}, 404]` for unknown domains, `{}` when AIL fails.
function onionUpstream(req: StubRequest): StubReply {
  const m = /^\/api\/lookup\/([^/]+)$/.exec(req.path);
  const address = m?.[1] ?? "";
  const name = address.replace(/\.onion$/, "");
  if (name.startsWith("found")) {
    return {
      json: {
        id: address,
        first_seen: "2023-01-05",
        last_seen: "2024-10-01",
        languages: ["en", "de"],
        titles: ["Example market", "Login"],
        tags: [...TAGS, TAGS[0]],
        dataset: "ail",
      },
    };
  }
  if (name.startsWith("bad")) return { json: { error: "Incorrect onion format" } };
  if (name.startsWith("empty")) return { json: {} };
  if (name.startsWith("gateway")) return { status: 502, body: "Bad Gateway" };
  if (name.startsWith("slow")) return { json: { id: address }, delayMs: 5000 };
  return { json: [{ error: "domain not found", domain: address }, 404] };
}

let stub: UpstreamStub;
let t: TestApp;
beforeAll(async () => {
  stub = await startStub(onionUpstream);
  t = await startTestApp({ modules: { onion_lookup: { custom_API: stub.url, upstream_timeout_ms: 800 } } });
}, 120_000);
afterAll(async () => {
  await t?.close();
  await stub?.close();
});

function resultsOf(body: unknown): MispStandardResults {
  const reply = MispStandardReplySchema.parse(body);
  if (!("results" in reply) || Array.isArray(reply.results) || "error" in reply)
    throw new Error(`expected results, got ${JSON.stringify(body)}`);
  return reply.results as MispStandardResults;
}

describe("onion_lookup: found", () => {
  it("interactive: echo keeps the attribute (comment untouched) plus the service's tags; tor-hiddenservice object", async () => {
    const attr = attributeRow("onion-address", `${FOUND}.onion`, { comment: "" });
    const r = await t.query(interactive("onion_lookup", attr, { custom_API: null }));
    const results = resultsOf(r.body);
    expect(Object.keys(results).sort()).toEqual(["Attribute", "Object"]);
    expect(results.Attribute).toEqual([{ ...attr, Tag: TAGS.map((name) => ({ name })) }]);
    const [obj] = results.Object!;
    expect(obj).toMatchObject({
      name: "tor-hiddenservice",
      "meta-category": "misc",
      template_uuid: TOR_HIDDENSERVICE.uuid,
      template_version: "2",
      description: "Tor hidden service (onion service) object.",
    });
    expect(obj).not.toHaveProperty("comment");
    const rows = obj!.Attribute.map((a) => [a.object_relation, a.type, a.value, a.disable_correlation]);
    expect(rows).toEqual([
      ["address", "onion-address", `${FOUND}.onion`, false],
      ["first-seen", "datetime", "2023-01-05T00:00:00+00:00", true],
      ["last-seen", "datetime", "2024-10-01T00:00:00+00:00", true],
      ["language", "text", "en", true],
      ["language", "text", "de", true],
      ["title", "text", "Example market", true],
      ["title", "text", "Login", true],
    ]);
    expect(obj!.Attribute[0]!.Tag).toEqual(TAGS.map((name) => ({ name })));
    expect(obj!.ObjectReference).toEqual([
      { uuid: expect.any(String), object_uuid: obj!.uuid, referenced_uuid: attr.uuid, relationship_type: "expanded-from" },
    ]);
    expect(JSON.stringify(r.body)).not.toMatch(/custom.comment/);
    expect(stub.requests.at(-1)!.path).toBe(`/api/lookup/${FOUND}.onion`);
  });

  it("a commented attribute keeps its comment in the echo (batch enrichment updates the original from it)", async () => {
    const attr = attributeRow("onion-address", `${FOUND}.onion`, { comment: "main mirror" });
    const results = resultsOf((await t.query(batch("onion_lookup", attr, { custom_API: null }))).body);
    expect(results.Attribute![0]!.comment).toBe("main mirror");
  });

  it("hover and Attach enrichment forms; the workflow's own tags and extras are not echoed", async () => {
    const attr = attributeRow("onion-address", FOUND);
    const hovered = resultsOf((await t.query(hover("onion_lookup", attr, { custom_API: null }))).body);
    expect(hovered.Object![0]!.Attribute[0]!.value).toBe(`${FOUND}.onion`);
    const attached = resultsOf((await t.query(attachEnrichment("onion_lookup", attr))).body);
    expect(attached.Attribute![0]!.Tag).toEqual(TAGS.map((name) => ({ name })));
    expect(attached.Attribute![0]).not.toHaveProperty("_allTags");
    expect(attached.Attribute![0]).not.toHaveProperty("enrichment");
  });

  it("normalises scheme, case, port, path and sub-domain before asking", async () => {
    const typed = `http://www.${FOUND.toUpperCase()}.onion:80/some/path?q=1`;
    const r = await t.query(interactive("onion_lookup", attributeRow("onion-address", typed), { custom_API: null }));
    expect(r.body.error).toBeUndefined();
    expect(stub.requests.at(-1)!.path).toBe(`/api/lookup/${FOUND}.onion`);
  });
});

describe("onion_lookup: not found and errors", () => {
  it("AIL's [{error}, 404] list is 'not found', replied with results: [] and cached", async () => {
    const attr = attributeRow("onion-address", `${label("unknown")}.onion`);
    const r1 = await t.query(batch("onion_lookup", attr, { custom_API: null }));
    expect(r1).toEqual({ status: 200, body: { error: "onion-lookup: domain not found", results: [] } });
    const before = stub.requests.length;
    const r2 = await t.query(hover("onion_lookup", attr, { custom_API: null }));
    expect(r2.body).toEqual(r1.body);
    expect(stub.requests.length).toBe(before);
  });

  it("error object, empty object (not cached) and HTTP errors", async () => {
    const ask = async (name: string) =>
      (await t.query(interactive("onion_lookup", attributeRow("onion-address", name), { custom_API: null }))).body;
    expect(await ask(label("bad"))).toEqual({ error: "onion-lookup: Incorrect onion format", results: [] });
    expect(await ask(label("empty"))).toEqual({ error: "onion-lookup: no data", results: [] });
    const before = stub.requests.length;
    await ask(label("empty"));
    expect(stub.requests.length).toBe(before + 1);
    expect(await ask(label("gateway"))).toEqual({ error: "onion-lookup: API not accessible (HTTP 502)", results: [] });
    expect(await ask(label("slow"))).toEqual({ error: expect.stringMatching(/^onion-lookup: Timeout/), results: [] });
  });

  it("refuses v2 and malformed addresses and other types without asking", async () => {
    const before = stub.requests.length;
    const ask = async (type: string, value: string) =>
      (await t.query(interactive("onion_lookup", attributeRow(type, value), { custom_API: null }))).body;
    expect(await ask("onion-address", "expyuzz4wqqyqhjn.onion")).toEqual({ error: "only v3 onion addresses are supported", results: [] });
    expect(await ask("onion-address", `${FOUND.slice(0, 55)}1.onion`)).toEqual({
      error: "only v3 onion addresses are supported",
      results: [],
    });
    expect(await ask("domain", "example.org")).toEqual({ error: "Unsupported attribute type.", results: [] });
    expect(stub.requests.length).toBe(before);
  });
});

describe("onionServiceLabel", () => {
  it("extracts the v3 label", () => {
    expect(onionServiceLabel(` ${FOUND}.ONION. `)).toBe(FOUND);
    expect(onionServiceLabel(`https://user@${FOUND}.onion:8443/#x`)).toBe(FOUND);
    expect(onionServiceLabel("example.org")).toBeUndefined();
    expect(onionServiceLabel("")).toBeUndefined();
  });
});
