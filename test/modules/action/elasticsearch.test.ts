import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { bulkRequests, indexNameProblem } from "../../../src/modules/action/_elasticsearch/bulk.js";
import { exportRecords } from "../../../src/modules/shared/export-records/index.js";
import { runQueryCommand } from "../../../src/commands/query.js";
import { ROAMING_FIXTURES, roaming, startTestApp, type TestApp } from "../../helpers/app.js";
import { startEsStandIn, type EsStandIn } from "../../helpers/elasticsearch-stand-in.js";
import { closedPort, failures, selfSignedCertificate } from "../../helpers/stand-in.js";
import { sink } from "../../helpers/sink.js";
import { nodeRequest as mispActionBody } from "../../helpers/misp-request.js";
import { until } from "../../reliability/until.js";

// elasticsearch end to end: POST /query on the real app → a `_bulk` stand-in that enforces
// the contract (test/helpers/elasticsearch-stand-in.ts) and fails like Elasticsearch.

const PARAMS = [
  "url",
  "index",
  "op_type",
  "api_key",
  "username",
  "password",
  "bearer_token",
  "verify_tls",
  "ca_certificate",
  "event_per_attribute",
  "data_extraction_model",
  "pipeline",
  "refresh",
  "batch_max_bytes",
  "delivery",
];
const API_KEY = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==";

function esQuery(data: unknown, params: Record<string, string>, filteredItems: unknown = data): Record<string, unknown> {
  return mispActionBody("elasticsearch", PARAMS, data, params, { filteredItems });
}

type Json = Record<string, any>;
const event = (name: string) => roaming(name).Event as Json;
const iso = (seconds: string) => new Date(Number(seconds) * 1000).toISOString();

let es: EsStandIn;
let app: TestApp;
const base = () => ({ url: es.url, index: "misp-events", api_key: API_KEY });
beforeAll(async () => {
  es = await startEsStandIn();
  app = await startTestApp({ http: { timeoutMs: 1500 } });
});
afterAll(async () => {
  await app.close();
  await es.close();
});
afterEach(() => es.reset());
const allow = () => es.credentials.add(`ApiKey ${API_KEY}`);

describe("elasticsearch: every roaming fixture", () => {
  it.each(ROAMING_FIXTURES)("%s: event mode, one document with _id = event UUID and @timestamp", async (name) => {
    allow();
    const data = roaming(name);
    const r = await app.query(esQuery(data, base()));
    expect(r.body).toEqual({ data: true });
    expect(es.standIn.requests).toHaveLength(1);
    const req = es.standIn.requests[0];
    expect(req.path).toBe("/misp-events/_bulk");
    expect(req.headers["content-type"]).toBe("application/x-ndjson");
    expect(req.body.split("\n")[0]).toBe(`{"create":{"_id":"${event(name).uuid}"}}`);
    const stored = es.indices.get("misp-events")!.get(event(name).uuid as string)!;
    expect(stored).toEqual({ "@timestamp": iso(event(name).timestamp), ...data });
  });

  it.each(ROAMING_FIXTURES)("%s: attribute mode, one document per flattened attribute, in one request", async (name) => {
    allow();
    const ev = event(name);
    const r = await app.query(esQuery(roaming(name), { ...base(), index: "misp-attributes", event_per_attribute: "true" }));
    expect(r.body).toEqual({ data: true });
    expect(es.standIn.requests).toHaveLength(1);
    const docs = es.docs("misp-attributes") as Json[];
    expect(docs.map((d) => d.Attribute.uuid)).toEqual(ev._AttributeFlattened.map((a: Json) => a.uuid));
    expect([...es.indices.get("misp-attributes")!.keys()]).toEqual(ev._AttributeFlattened.map((a: Json) => a.uuid));
    for (const [i, d] of docs.entries()) {
      expect(d["@timestamp"]).toBe(iso(ev._AttributeFlattened[i].timestamp));
      expect(d.Attribute).toEqual(ev._AttributeFlattened[i]);
      expect(d.Event.uuid).toBe(ev.uuid);
      expect(d.Event.Attribute).toBeUndefined();
    }
  });
});

describe("elasticsearch: idempotency and item-by-item replies", () => {
  it("a second export with create is a success: every item is 409 'already exists', nothing replaced", async () => {
    allow();
    const data = roaming("event-publish-tlp-red");
    expect((await app.query(esQuery(data, { ...base(), event_per_attribute: "true" }))).body).toEqual({ data: true });
    const firstDocs = es.docs("misp-events").length;
    expect((await app.query(esQuery(data, { ...base(), event_per_attribute: "true" }))).body).toEqual({ data: true });
    const reply = JSON.parse(es.standIn.requests[1].body.split("\n")[0]);
    expect(reply).toEqual({ create: { _id: event("event-publish-tlp-red")._AttributeFlattened[0].uuid } });
    expect(es.docs("misp-events")).toHaveLength(firstDocs);
  });

  it("op_type index replaces the documents (status 200 'updated')", async () => {
    allow();
    const data = roaming("event-publish-tlp-red");
    await app.query(esQuery(data, { ...base(), op_type: "index" }));
    const r = await app.query(esQuery(data, { ...base(), op_type: "index" }));
    expect(r.body).toEqual({ data: true });
    expect(es.standIn.requests[1].body.startsWith('{"index":{"_id"')).toBe(true);
    expect(es.docs("misp-events")).toHaveLength(2);
  });

  it("failed items: the node fails, counting failures by type and naming the first reason; the others are stored", async () => {
    allow();
    const ev = event("event-publish-mixed-galaxy-objects");
    const flat = ev._AttributeFlattened as Json[];
    es.failIds.set(flat[2].uuid, {
      status: 400,
      type: "document_parsing_exception",
      reason: "[1:120] failed to parse field [Attribute.value] of type [ip]",
    });
    es.failIds.set(flat[5].uuid, {
      status: 429,
      type: "es_rejected_execution_exception",
      reason: "rejected execution of coordinating operation",
    });
    es.failIds.set(flat[7].uuid, {
      status: 429,
      type: "es_rejected_execution_exception",
      reason: "rejected execution of coordinating operation",
    });
    const r = await app.query(esQuery(roaming("event-publish-mixed-galaxy-objects"), { ...base(), event_per_attribute: "true" }));
    expect(r.body).toEqual({
      error:
        `elasticsearch: 3 documents failed (2 es_rejected_execution_exception, 1 document_parsing_exception); first: document 3 (_id ${flat[2].uuid}): ` +
        `HTTP 400 document_parsing_exception: [1:120] failed to parse field [Attribute.value] of type [ip]; ${flat.length - 3} of ${flat.length} documents stored`,
    });
    expect(es.docs("misp-events")).toHaveLength(flat.length - 3);
  });

  it("sends the items refused with 429 again on their own, and succeeds when the cluster takes them", async () => {
    allow();
    const flat = event("event-publish-mixed-galaxy-objects")._AttributeFlattened as Json[];
    const busy = flat[4].uuid as string;
    es.failIds.set(busy, { status: 429, type: "es_rejected_execution_exception", reason: "rejected execution of coordinating operation" });
    const pending = app.query(esQuery(roaming("event-publish-mixed-galaxy-objects"), { ...base(), event_per_attribute: "true" }));
    await until("the first batch", async () => es.standIn.requests.length >= 1);
    es.failIds.clear();
    expect((await pending).body).toEqual({ data: true });
    // The resend carries only the refused document; every document is stored once.
    expect(es.standIn.requests).toHaveLength(2);
    const lines = es.standIn.requests[1]!.body.split("\n").filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toEqual({ create: { _id: busy } });
    expect(es.docs("misp-events")).toHaveLength(flat.length);
  });

  it("sends refresh when asked (wait_for), not by default", async () => {
    allow();
    const data = roaming("event-publish-tlp-white");
    expect((await app.query(esQuery(data, { ...base(), refresh: "wait_for" }))).body).toEqual({ data: true });
    expect(es.standIn.last().query.get("refresh")).toBe("wait_for");
    es.standIn.reset();
    allow();
    expect((await app.query(esQuery(data, { ...base(), index: "misp-other" }))).body).toEqual({ data: true });
    expect(es.standIn.last().query.has("refresh")).toBe(false);
  });

  it("a data stream refuses op_type index item by item, and accepts create with @timestamp", async () => {
    allow();
    es.dataStreams.add("logs-misp-default");
    const data = roaming("event-publish-tlp-white");
    const refused = await app.query(esQuery(data, { ...base(), index: "logs-misp-default", op_type: "index" }));
    expect(refused.body.error).toMatch(
      /^elasticsearch: 1 document failed \(1 illegal_argument_exception\); first: document 1 .*only write ops with an op_type of create/,
    );
    const ok = await app.query(esQuery(data, { ...base(), index: "logs-misp-default" }));
    expect(ok.body).toEqual({ data: true });
  });
});

describe("elasticsearch: batching", () => {
  it("cuts requests under batch_max_bytes, keeps the order, loses nothing", async () => {
    allow();
    const ev = event("event-publish-mixed-galaxy-objects");
    const max = 6000;
    const r = await app.query(
      esQuery(roaming("event-publish-mixed-galaxy-objects"), { ...base(), event_per_attribute: "true", batch_max_bytes: String(max) }),
    );
    expect(r.body).toEqual({ data: true });
    expect(es.standIn.requests.length).toBeGreaterThan(1);
    for (const req of es.standIn.requests)
      if (req.body.split("\n").length > 3) expect(Buffer.byteLength(req.body)).toBeLessThanOrEqual(max);
    expect((es.docs("misp-events") as Json[]).map((d) => d.Attribute.uuid)).toEqual(ev._AttributeFlattened.map((a: Json) => a.uuid));
  });

  it("the builder is pure: same records → same bodies and keys; no credential in a prepared request", () => {
    const records = exportRecords(roaming("event-publish-tlp-red"), undefined, { perAttribute: true });
    const target = { baseUrl: "https://es.example.org:9200/prefix/", index: "misp", action: "create" as const, pipeline: "misp-geoip" };
    const a = [...bulkRequests(records, target, 2000)];
    const b = [...bulkRequests(records, target, 2000)];
    expect(a.map((x) => x.idempotencyKey)).toEqual(b.map((x) => x.idempotencyKey));
    expect(new Set(a.map((x) => x.idempotencyKey)).size).toBe(a.length);
    expect(a[0].url).toBe("https://es.example.org:9200/prefix/misp/_bulk?pipeline=misp-geoip");
    expect(a.reduce((n, x) => n + x.count, 0)).toBe(records.length);
    for (const x of a) {
      expect(Object.keys(x.headers)).not.toContain("authorization");
      expect(x.body.endsWith("\n")).toBe(true);
    }
  });

  it.each([
    ["misp-events", undefined],
    ["MISP", "must be lower case"],
    ["_misp", "must not start with -, _ or +"],
    ["misp events", 'must not contain \\ / * ? " < > | , # : or spaces'],
  ])("index name %j", (name, problem) => {
    expect(indexNameProblem(name)).toBe(problem);
  });
});

describe("elasticsearch: authentication", () => {
  it("id:api_key is encoded to the ApiKey form", async () => {
    es.credentials.add(`ApiKey ${Buffer.from("VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw").toString("base64")}`);
    const r = await app.query(
      esQuery(roaming("event-publish-tlp-red"), { ...base(), api_key: "VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw" }),
    );
    expect(r.body).toEqual({ data: true });
  });

  it("basic authentication", async () => {
    es.credentials.add(`Basic ${Buffer.from("misp_writer:s3cret-pass").toString("base64")}`);
    const r = await app.query(
      esQuery(roaming("event-publish-tlp-red"), { url: es.url, index: "misp-events", username: "misp_writer", password: "s3cret-pass" }),
    );
    expect(r.body).toEqual({ data: true });
  });

  it("bearer token (OpenSearch / service tokens)", async () => {
    es.credentials.add("Bearer AAEAAWVsYXN0aWMvZmxlZXQtc2VydmVyL3Rva2VuLTE");
    const r = await app.query(
      esQuery(roaming("event-publish-tlp-red"), {
        url: es.url,
        index: "misp-events",
        bearer_token: "AAEAAWVsYXN0aWMvZmxlZXQtc2VydmVyL3Rva2VuLTE",
      }),
    );
    expect(r.body).toEqual({ data: true });
  });

  it("401 without credentials, with Elasticsearch's reason", async () => {
    allow();
    const r = await app.query(esQuery(roaming("event-publish-tlp-red"), { url: es.url, index: "misp-events" }));
    expect(r.body).toEqual({
      error:
        "elasticsearch: batch 1 (documents 1-1 of 1) rejected: HTTP 401 Unauthorized: security_exception: missing authentication credentials for REST request [/misp-events/_bulk]",
    });
  });

  it("401 for a wrong password, without echoing it", async () => {
    allow();
    const r = await app.query(
      esQuery(roaming("event-publish-tlp-red"), {
        url: es.url,
        index: "misp-events",
        username: "misp_writer",
        password: "wrong-password-123",
      }),
    );
    expect(String(r.body.error)).toMatch(/HTTP 401 Unauthorized: security_exception: unable to authenticate/);
    expect(String(r.body.error)).not.toContain("wrong-password-123");
  });

  it("403 missing privilege", async () => {
    es.standIn.script({
      status: 403,
      body: {
        error: {
          type: "security_exception",
          reason: "action [indices:data/write/bulk[s]] is unauthorized for API key id [VuaCfGcBCdbkQm-e5aOx] of user [misp]",
        },
        status: 403,
      },
    });
    const r = await app.query(esQuery(roaming("event-publish-tlp-red"), base()));
    expect(r.body.error).toBe(
      "elasticsearch: batch 1 (documents 1-1 of 1) rejected: HTTP 403 Forbidden: security_exception: action [indices:data/write/bulk[s]] is unauthorized for API key id [VuaCfGcBCdbkQm-e5aOx] of user [misp]",
    );
  });

  it("two kinds of credentials are refused before sending", async () => {
    const r = await app.query(esQuery(roaming("event-publish-tlp-red"), { ...base(), bearer_token: "abcdefgh" }));
    expect(r.body).toEqual({ error: 'elasticsearch: parameter "api_key": give one authentication only (got api_key and bearer_token)' });
    expect(es.standIn.requests).toHaveLength(0);
  });
});

describe("elasticsearch: failures like the vendor's", () => {
  const data = () => roaming("event-publish-tlp-white");

  it("413 when the body exceeds http.max_content_length; earlier batches are reported", async () => {
    allow();
    es.maxBodyBytes = 7000;
    const r = await app.query(
      esQuery(roaming("event-publish-mixed-galaxy-objects"), { ...base(), event_per_attribute: "true", batch_max_bytes: "6000" }),
    );
    // Every batch fits; now one that does not.
    expect(r.body).toEqual({ data: true });
    es.maxBodyBytes = 100;
    const big = await app.query(esQuery(data(), base()));
    expect(big.body.error).toMatch(/^elasticsearch: batch 1 \(documents 1-1 of 1\) rejected: HTTP 413 Payload Too Large$/);
  });

  it("429 with and without Retry-After is reported, not resent", async () => {
    es.standIn.script(
      failures.rateLimited(20, { error: { type: "es_rejected_execution_exception", reason: "rejected execution" }, status: 429 }),
    );
    const a = await app.query(esQuery(data(), base()));
    expect(a.body.error).toBe(
      "elasticsearch: batch 1 (documents 1-1 of 1) rejected: HTTP 429 Too Many Requests, rate limited, retry after 20 s: es_rejected_execution_exception: rejected execution",
    );
    es.standIn.script({
      status: 429,
      body: { error: { type: "circuit_breaking_exception", reason: "[parent] Data too large" }, status: 429 },
    });
    const b = await app.query(esQuery(data(), base()));
    expect(b.body.error).toBe(
      "elasticsearch: batch 1 (documents 1-1 of 1) rejected: HTTP 429 Too Many Requests, rate limited: circuit_breaking_exception: [parent] Data too large",
    );
    expect(es.standIn.requests).toHaveLength(2);
  });

  it("503 and 500", async () => {
    es.standIn.script({
      status: 503,
      body: {
        error: {
          type: "cluster_block_exception",
          reason: "index [misp-events] blocked by: [FORBIDDEN/12/index read-only / allow delete (api)];",
        },
        status: 503,
      },
    });
    expect((await app.query(esQuery(data(), base()))).body.error).toMatch(
      /HTTP 503 Service Unavailable: cluster_block_exception: index \[misp-events\] blocked/,
    );
    es.standIn.script(failures.serverError("<html>bad gateway</html>"));
    expect((await app.query(esQuery(data(), base()))).body.error).toMatch(/HTTP 500 Internal Server Error: <html>bad gateway<\/html>$/);
  });

  it("HTTP 200 that is not a _bulk reply", async () => {
    es.standIn.script({ status: 200, body: "<html>Kibana</html>" });
    expect((await app.query(esQuery(data(), base()))).body.error).toBe(
      "elasticsearch: batch 1 (documents 1-1 of 1) rejected: HTTP 200 without a _bulk reply: <html>Kibana</html> (is the URL an Elasticsearch or OpenSearch cluster?)",
    );
  });

  it("a cluster that never answers times out", async () => {
    es.standIn.script(failures.hang);
    const r = await app.query(esQuery(data(), base()));
    expect(r.body.error).toMatch(/^elasticsearch: batch 1 \(documents 1-1 of 1\) failed: no response from .* within 1500 ms/);
  });

  it("connection refused", async () => {
    const port = await closedPort();
    const r = await app.query(esQuery(data(), { ...base(), url: `http://127.0.0.1:${port}` }));
    expect(r.body.error).toMatch(/^elasticsearch: batch 1 \(documents 1-1 of 1\) failed: connection refused/);
  });
});

describe("elasticsearch: TLS", () => {
  let tlsEs: EsStandIn;
  beforeAll(async () => {
    tlsEs = await startEsStandIn({ tls: true });
    tlsEs.credentials.add(`ApiKey ${API_KEY}`);
  });
  afterAll(() => tlsEs.close());

  it("refuses a self-signed certificate by default", async () => {
    const r = await app.query(esQuery(roaming("event-publish-tlp-red"), { ...base(), url: tlsEs.url }));
    expect(r.body.error).toMatch(/failed: TLS error .*self-signed/);
    expect(tlsEs.standIn.requests).toHaveLength(0);
  });

  it("trusts it with ca_certificate, or with verify_tls false", async () => {
    const withCa = await app.query(
      esQuery(roaming("event-publish-tlp-red"), { ...base(), url: tlsEs.url, ca_certificate: selfSignedCertificate().cert }),
    );
    expect(withCa.body).toEqual({ data: true });
    const noVerify = await app.query(esQuery(roaming("event-publish-tlp-white"), { ...base(), url: tlsEs.url, verify_tls: "false" }));
    expect(noVerify.body).toEqual({ data: true });
    expect(tlsEs.standIn.requests).toHaveLength(2);
  });

  it("ca_certificate must be PEM", async () => {
    const r = await app.query(esQuery(roaming("event-publish-tlp-red"), { ...base(), url: tlsEs.url, ca_certificate: "/etc/ssl/ca.pem" }));
    expect(r.body).toEqual({ error: 'elasticsearch: parameter "ca_certificate": must be PEM text (-----BEGIN CERTIFICATE----- …)' });
  });
});

describe("elasticsearch: extraction model, descriptor, query CLI", () => {
  it("applies the extraction model to each document; _id stays the attribute UUID", async () => {
    allow();
    const ev = event("event-publish-sharing-group");
    const model = { value: "Attribute.value", type: "Attribute.type", event: "Event.uuid" };
    const r = await app.query(
      esQuery(roaming("event-publish-sharing-group"), {
        ...base(),
        event_per_attribute: "yes",
        data_extraction_model: JSON.stringify(model),
      }),
    );
    expect(r.body).toEqual({ data: true });
    expect([...es.indices.get("misp-events")!.entries()]).toEqual(
      ev._AttributeFlattened.map((a: Json) => [a.uuid, { "@timestamp": iso(a.timestamp), value: a.value, type: a.type, event: ev.uuid }]),
    );
  });

  it("publishes its descriptor with valid placeholders", async () => {
    const list = (await (await fetch(`${app.url}/modules`)).json()) as Json[];
    const d = list.find((m) => m.name === "elasticsearch")!;
    expect(d.type).toBe("action_mod");
    expect(Object.keys(d.meta.config.params)).toEqual(PARAMS);
    expect(d.meta.config.params.op_type.value).toBe("create");
    expect(indexNameProblem(d.meta.config.params.index.value)).toBeUndefined();
    expect(d.meta.config).toMatchObject({ support_filters: true, expect_misp_core_format: true });
  });

  it("runs from the query CLI (in-process)", { timeout: 120_000 }, async () => {
    allow();
    const stdin = new PassThrough();
    stdin.end("");
    const out = sink();
    const err = sink();
    const fixture = fileURLToPath(new URL("../../fixtures/roaming/event-publish-onion-pap-red.json", import.meta.url));
    const code = await runQueryCommand(
      {
        module: "elasticsearch",
        data: fixture,
        params: [`url=${es.url}`, "index=misp-cli", `api_key=${API_KEY}`, "event_per_attribute=true"],
      },
      { stdin, stdout: out.stream, stderr: err.stream },
    );
    expect(err.text()).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(out.text())).toEqual({ data: true });
    expect(es.docs("misp-cli")).toHaveLength(event("event-publish-onion-pap-red")._AttributeFlattened.length);
  });
});
