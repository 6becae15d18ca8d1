import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../helpers/app.js";
import { MispStandardReplySchema, HASHLOOKUP } from "../../../src/modules/shared/misp-format/index.js";
import { ATTRIBUTE_REQUIRED } from "../../../src/modules/shared/enrichment/index.js";
import { closedPortUrl, startStub, type StubRequest, type StubReply, type UpstreamStub } from "./upstream-stub.js";
import { attachEnrichment, attributeRow, batch, hover, interactive } from "./misp-requests.js";

// Response shapes of CIRCL hashlookup (https://hashlookup.circl.lu, documented on its API page):
// found = 200 + record (upper-case hex), unknown = 404 {"message": "Non existing ..."}, malformed = 400.
const SHA1 = "732458574c63c3790cad093a36eadfb990d11ee6";
function record(sha1: string): Record<string, unknown> {
  return {
    CRC32: "7A5407CA",
    FileName: "./bin/ls",
    FileSize: "142144",
    MD5: "A3DF7A4E2AB2E1B4C8A8E1E1B2C3D4E5",
    "SHA-1": sha1.toUpperCase(),
    "SHA-256": "B1A5C2A3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F",
    SSDEEP: "3072:abcdefghijk:lmnopqrst",
    TLSH: "T1ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCD",
    source: "NSRL",
    KnownMalicious: "",
    db: "nsrl_modern_rds",
    "hashlookup:trust": 100,
    "insert-timestamp": "1656580893.4226165",
    parents: [{ "SHA-1": "0000000000000000000000000000000000000001", FileName: "coreutils.deb" }],
  };
}

/** The stand-in: one found SHA-1 per "known" set, 404 otherwise, special hashes for the error forms. */
function hashlookupUpstream(known: Set<string>) {
  return (req: StubRequest): StubReply => {
    const m = /^\/lookup\/(md5|sha1|sha256)\/([0-9a-f]+)$/.exec(req.path);
    if (!m) return { status: 404, json: { message: "not found" } };
    const [, type, hash] = m;
    if (hash!.startsWith("badbad")) return { status: 400, json: { message: "Expecting a SHA-1 hex value" } };
    if (hash!.startsWith("5005")) return { status: 500, body: "Internal Server Error" };
    if (hash!.startsWith("e0e0")) return { json: {} };
    if (hash!.startsWith("51e5")) return { json: record(hash!), delayMs: 6000 };
    if (known.has(hash!)) return { json: record(hash!) };
    return { status: 404, json: { message: `Non existing ${type!.toUpperCase()}`, query: hash } };
  };
}

function sha1(prefix: string, n: number): string {
  return (prefix + n.toString(16)).padEnd(40, "0");
}

let stub: UpstreamStub;
let t: TestApp;
let limited: TestApp;
const known = new Set<string>([SHA1]);

beforeAll(async () => {
  stub = await startStub(hashlookupUpstream(known));
  // Server-side settings: the base URL (used when MISP's custom_API is unset) and a short upstream timeout.
  t = await startTestApp({ modules: { hashlookup: { custom_API: stub.url, upstream_timeout_ms: 800 } } });
  limited = await startTestApp({ modules: { hashlookup: { cache_ttl_seconds: 0, rate_limit_per_minute: 1, rate_limit_burst: 1 } } });
}, 120_000);
afterAll(async () => {
  await t?.close();
  await limited?.close();
  await stub?.close();
});

describe("hashlookup: found", () => {
  it("interactive misp_standard: echoes the attribute and adds a hashlookup object referencing it", async () => {
    const attr = attributeRow("sha1", SHA1, { comment: "from sandbox" });
    const r = await t.query(interactive("hashlookup", attr, { custom_API: stub.url }));
    expect(r.status).toBe(200);
    const reply = MispStandardReplySchema.parse(r.body);
    if (!("results" in reply) || Array.isArray(reply.results)) throw new Error("expected results");
    expect(Object.keys(reply.results).sort()).toEqual(["Attribute", "Object"]);
    expect(reply.results.Attribute).toEqual([attr]);
    const [obj] = reply.results.Object!;
    expect(obj).toMatchObject({
      name: "hashlookup",
      "meta-category": "file",
      template_uuid: HASHLOOKUP.uuid,
      template_version: "3",
      distribution: "5",
      sharing_group_id: "0",
    });
    const byRelation = Object.fromEntries(obj!.Attribute.map((a) => [a.object_relation, a]));
    expect(byRelation["SHA-1"]).toMatchObject({ type: "sha1", value: SHA1, disable_correlation: false });
    expect(byRelation["SHA-256"]!.value).toBe("b1a5c2a3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f");
    expect(byRelation.MD5!.value).toBe("a3df7a4e2ab2e1b4c8a8e1e1b2c3d4e5");
    expect(byRelation.FileName).toMatchObject({ type: "filename", value: "./bin/ls", disable_correlation: true });
    expect(byRelation.FileSize).toMatchObject({ type: "size-in-bytes", value: "142144", disable_correlation: true });
    expect(byRelation.source).toMatchObject({ type: "text", value: "NSRL" });
    expect(byRelation.KnownMalicious).toBeUndefined(); // empty values are skipped
    expect(byRelation.SSDEEP!.value).toBe("3072:abcdefghijk:lmnopqrst");
    expect(obj!.Attribute.every((a) => a.to_ids === undefined)).toBe(true);
    expect(obj!.ObjectReference).toEqual([
      { uuid: expect.any(String), object_uuid: obj!.uuid, referenced_uuid: attr.uuid, relationship_type: "related-to" },
    ]);
    const req = stub.requests.at(-1)!;
    expect(req.path).toBe(`/lookup/sha1/${SHA1}`);
    expect(req.headers.accept).toBe("application/json");
  });

  it("hover and batch forms give the same object; each reply has fresh uuids", async () => {
    const attr = attributeRow("sha1", SHA1);
    const h = await t.query(hover("hashlookup", attr, { custom_API: stub.url }));
    const b = await t.query(batch("hashlookup", attr, { custom_API: stub.url }));
    const hr = MispStandardReplySchema.parse(h.body) as { results: { Object: { uuid: string; Attribute: { value: string }[] }[] } };
    const br = MispStandardReplySchema.parse(b.body) as typeof hr;
    expect(hr.results.Object[0]!.Attribute.map((a) => a.value)).toEqual(br.results.Object[0]!.Attribute.map((a) => a.value));
    expect(hr.results.Object[0]!.uuid).not.toBe(br.results.Object[0]!.uuid);
  });

  it("md5 and sha256 use their own path segment; upper-case input is queried lower-case", async () => {
    const md5 = "A3DF7A4E2AB2E1B4C8A8E1E1B2C3D4E5";
    known.add(md5.toLowerCase());
    const r = await t.query(interactive("hashlookup", attributeRow("md5", md5), { custom_API: stub.url + "/" }));
    expect(r.body.error).toBeUndefined();
    expect(stub.requests.at(-1)!.path).toBe(`/lookup/md5/${md5.toLowerCase()}`);
  });

  it("Attach enrichment: placeholder config, base URL from the server setting, workflow extras not echoed", async () => {
    const attr = attributeRow("sha1", SHA1);
    const r = await t.query(attachEnrichment("hashlookup", attr));
    const reply = MispStandardReplySchema.parse(r.body) as { results: { Attribute: Record<string, unknown>[] } };
    expect(reply.results.Attribute).toEqual([attr]);
    for (const extra of ["Tag", "_allTags", "Galaxy", "ShadowAttribute", "enrichment"])
      expect(reply.results.Attribute[0]).not.toHaveProperty(extra);
    // MISP's real form for a module with settings: unset values as null → server setting, then default.
    const nulls = await t.query(attachEnrichment("hashlookup", attr, { custom_API: null }));
    expect(nulls.body.error).toBeUndefined();
  });
});

describe("hashlookup: not found and errors reply {error, results: []}", () => {
  const cases: Array<[string, string, string]> = [
    ["404 unknown hash", sha1("abc", 1), "Non existing hash"],
    ["400 rejected", sha1("badbad", 1), "hashlookup: Expecting a SHA-1 hex value"],
    ["500", sha1("5005", 1), "hashlookup: API not accessible (HTTP 500)"],
    ["empty object", sha1("e0e0", 1), "Empty result"],
  ];
  for (const [label, hash, error] of cases) {
    it(label, async () => {
      const r = await t.query(batch("hashlookup", attributeRow("sha1", hash), { custom_API: stub.url }));
      expect(r).toEqual({ status: 200, body: { error, results: [] } });
    });
  }

  it("a slow upstream gives a Timeout error within the upstream timeout (hover)", async () => {
    const started = Date.now();
    const r = await t.query(hover("hashlookup", attributeRow("sha1", sha1("51e5", 1)), { custom_API: stub.url }));
    expect(r.body.results).toEqual([]);
    expect(r.body.error).toMatch(/^hashlookup: Timeout/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("with the default upstream timeout, a hover query to a hanging upstream is answered inside MISP's 5 s", async () => {
    const hanging = await startStub(() => ({ json: record(SHA1), delayMs: 8000 }));
    try {
      const started = Date.now();
      const r = await limited.query(hover("hashlookup", attributeRow("sha1", SHA1), { custom_API: hanging.url }));
      const elapsed = Date.now() - started;
      expect(r.body).toEqual({ error: expect.stringMatching(/^hashlookup: Timeout/), results: [] });
      expect(elapsed).toBeGreaterThanOrEqual(3900);
      expect(elapsed).toBeLessThan(5000);
    } finally {
      await hanging.close();
    }
  });

  it("an unreachable upstream gives an error, not a transport failure", async () => {
    const r = await t.query(hover("hashlookup", attributeRow("sha1", SHA1), { custom_API: await closedPortUrl() }));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ error: expect.stringMatching(/^hashlookup: /), results: [] });
  });

  it("input errors are answered without asking the upstream", async () => {
    const before = stub.requests.length;
    const cfg = { custom_API: stub.url };
    expect((await t.query(interactive("hashlookup", attributeRow("sha1", "xyz"), cfg))).body).toEqual({
      error: "sha1 value must be 40 hexadecimal characters",
      results: [],
    });
    expect((await t.query(interactive("hashlookup", attributeRow("md5", SHA1), cfg))).body).toEqual({
      error: "md5 value must be 32 hexadecimal characters",
      results: [],
    });
    expect((await t.query(interactive("hashlookup", attributeRow("domain", "example.org"), cfg))).body).toEqual({
      error: "md5 or sha1 or sha256 is missing.",
      results: [],
    });
    expect((await t.query({ module: "hashlookup", event_id: "42", sha1: SHA1, config: cfg })).body).toEqual({
      error: ATTRIBUTE_REQUIRED,
      results: [],
    });
    expect((await t.query(interactive("hashlookup", attributeRow("sha1", SHA1), { custom_API: "ftp://x" }))).body).toEqual({
      error: "custom_API must be an http(s) URL",
      results: [],
    });
    expect(stub.requests.length).toBe(before);
  });
});

describe("hashlookup: cache and rate limit", () => {
  it("caches answers (found and not found) per base URL", async () => {
    const hash = sha1("cac4e", 1);
    known.add(hash);
    const missing = sha1("cac4e", 2);
    const count = () => stub.requests.filter((r) => r.path.endsWith(hash) || r.path.endsWith(missing)).length;
    for (let i = 0; i < 3; i++) {
      expect((await t.query(hover("hashlookup", attributeRow("sha1", hash), { custom_API: stub.url }))).body.error).toBeUndefined();
      expect((await t.query(hover("hashlookup", attributeRow("sha1", missing), { custom_API: stub.url }))).body.error).toBe(
        "Non existing hash",
      );
    }
    expect(count()).toBe(2);
  });

  it("shares one upstream call between identical concurrent queries", async () => {
    const hash = sha1("c0c0", 1);
    known.add(hash);
    const replies = await Promise.all(
      Array.from({ length: 5 }, () => t.query(batch("hashlookup", attributeRow("sha1", hash), { custom_API: stub.url }))),
    );
    expect(replies.every((r) => r.body.error === undefined)).toBe(true);
    expect(stub.requests.filter((r) => r.path.endsWith(hash)).length).toBe(1);
  });

  it("with the cache off and 1 request per minute, a repeated hover query is refused (rate limited), not cached", async () => {
    const attr = attributeRow("sha1", SHA1);
    const first = await limited.query(hover("hashlookup", attr, { custom_API: stub.url }));
    expect(first.body.error).toBeUndefined();
    const before = stub.requests.length;
    const second = await limited.query(hover("hashlookup", attr, { custom_API: stub.url }));
    expect(second.body).toEqual({
      error: expect.stringMatching(/^rate limited: at most 1 requests per minute .*try again in \d+ s$/),
      results: [],
    });
    expect(stub.requests.length).toBe(before);
  });
});
