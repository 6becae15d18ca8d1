import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { filterItemsAsMispSends } from "../../../src/engines/cakephp-hash/index.js";
import { hecEventEndpoint } from "../../../src/modules/action/_splunk_hec/endpoint.js";
import { packBatches } from "../../../src/modules/action/_splunk_hec/envelopes.js";
import { ROAMING_FIXTURES, roaming, startTestApp, type TestApp } from "../../helpers/app.js";
import { selfSignedCertificate } from "../../helpers/smtp.js";
import { nodeRequest as mispActionBody } from "../../helpers/misp-request.js";

// splunk_hec end to end: POST /query on the real app → a local HEC stand-in that enforces
// the documented contract (Authorization: Splunk <token>, concatenated JSON envelopes each
// with a non-blank `event`, optional channel) and can fail the way Splunk does.

const TOKEN = "11111111-2222-4333-8444-555555555555";
const CHANNEL = "0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba";

const Envelope = z
  .object({
    time: z.number().positive().optional(),
    host: z.string().min(1).optional(),
    source: z.string().min(1).optional(),
    sourcetype: z.string().min(1).optional(),
    index: z
      .string()
      .regex(/^[a-z0-9_][a-z0-9_-]*$/)
      .optional(),
    fields: z.record(z.string(), z.unknown()).optional(),
    event: z.unknown(),
  })
  .strict();
type Envelope = z.infer<typeof Envelope>;

interface ReceivedRequest {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  envelopes: Envelope[];
}

type Scripted = { status: number; body?: unknown; headers?: Record<string, string> } | "hang" | "reset";

/** Splits a HEC body into its JSON objects (HEC accepts them back to back, any whitespace between). */
function splitConcatenatedJson(body: string): { objects: unknown[] } | { invalidAt: number } {
  const objects: unknown[] = [];
  let i = 0;
  while (true) {
    while (i < body.length && /\s/.test(body[i])) i++;
    if (i >= body.length) return { objects };
    if (body[i] !== "{") return { invalidAt: objects.length };
    let depth = 0;
    let inString = false;
    let end = -1;
    for (let j = i; j < body.length; j++) {
      const c = body[j];
      if (inString) {
        if (c === "\\") j++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") {
        depth--;
        if (depth === 0) {
          end = j + 1;
          break;
        }
      }
    }
    if (end < 0) return { invalidAt: objects.length };
    try {
      objects.push(JSON.parse(body.slice(i, end)));
    } catch {
      return { invalidAt: objects.length };
    }
    i = end;
  }
}

class HecStandIn {
  readonly requests: ReceivedRequest[] = [];
  /** Replies for the next requests, in order; afterwards the contract is enforced. */
  script: Scripted[] = [];
  requireChannel = false;
  private server!: http.Server | https.Server;
  private sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly tls = false) {}

  async start(): Promise<this> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => this.handle(req, res);
    const { key, cert } = selfSignedCertificate();
    this.server = this.tls ? https.createServer({ key, cert }, handler) : http.createServer(handler);
    this.server.on("connection", (s: Socket) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  url(path = "/services/collector/event"): string {
    return `${this.tls ? "https" : "http"}://127.0.0.1:${this.port}${path}`;
  }

  reset(): void {
    this.requests.length = 0;
    this.script = [];
    this.requireChannel = false;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const received: ReceivedRequest = { url: req.url ?? "", headers: req.headers, body, envelopes: [] };
      this.requests.push(received);
      const scripted = this.script.shift();
      if (scripted === "hang") return;
      if (scripted === "reset") {
        req.socket.destroy();
        return;
      }
      if (scripted) {
        const text = typeof scripted.body === "string" ? scripted.body : JSON.stringify(scripted.body ?? {});
        res.writeHead(scripted.status, {
          "content-type": typeof scripted.body === "string" ? "text/html" : "application/json",
          ...scripted.headers,
        });
        res.end(text);
        return;
      }
      const [status, reply] = this.enforce(req, received);
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(reply));
    });
  }

  /** The HEC contract, as documented by Splunk. */
  private enforce(req: http.IncomingMessage, r: ReceivedRequest): [number, Record<string, unknown>] {
    if (req.method !== "POST") return [405, { text: "Method not allowed", code: 404 }];
    if (r.url !== "/services/collector/event") return [404, { text: "The requested URL was not found on this server.", code: 404 }];
    const auth = req.headers.authorization;
    if (!auth) return [401, { text: "Token is required", code: 2 }];
    const m = /^Splunk (\S+)$/.exec(auth);
    if (!m) return [401, { text: "Invalid authorization", code: 3 }];
    if (m[1] !== TOKEN) return [403, { text: "Invalid token", code: 4 }];
    if (this.requireChannel && !req.headers["x-splunk-request-channel"]) return [400, { text: "Data channel is missing", code: 10 }];
    if (r.body.trim() === "") return [400, { text: "No data", code: 5 }];
    const split = splitConcatenatedJson(r.body);
    if ("invalidAt" in split) return [400, { text: "Invalid data format", code: 6, "invalid-event-number": split.invalidAt }];
    for (const [n, obj] of split.objects.entries()) {
      const parsed = Envelope.safeParse(obj);
      if (!parsed.success) return [400, { text: "Invalid data format", code: 6, "invalid-event-number": n }];
      if (!("event" in (obj as object))) return [400, { text: "Event field is required", code: 12, "invalid-event-number": n }];
      if (parsed.data.event === "" || parsed.data.event === null)
        return [400, { text: "Event field cannot be blank", code: 13, "invalid-event-number": n }];
      r.envelopes.push(parsed.data);
    }
    return [200, this.requireChannel ? { text: "Success", code: 0, ackId: this.requests.length } : { text: "Success", code: 0 }];
  }

  get envelopes(): Envelope[] {
    return this.requests.flatMap((r) => r.envelopes);
  }
}

const PARAMS = [
  "url",
  "hec_token",
  "verify_tls",
  "source_type",
  "source",
  "index",
  "host",
  "event_per_attribute",
  "data_extraction_model",
  "channel",
  "batch_max_bytes",
];

/** The request MISP sends for a splunk_hec node (docs/protocol.md#action-request): every param by id, filteredItems = data when no filter. */
function hecQuery(data: unknown, params: Record<string, string>, filteredItems: unknown = data): Record<string, unknown> {
  return mispActionBody("splunk_hec", PARAMS, data, params, { filteredItems });
}

type Json = Record<string, any>;
const event = (name: string) => roaming(name).Event as Json;

let hec: HecStandIn;
let app: TestApp;
beforeAll(async () => {
  hec = await new HecStandIn().start();
  app = await startTestApp({ http: { timeoutMs: 1500 } });
});
afterAll(async () => {
  await app.close();
  await hec.close();
});
afterEach(() => hec.reset());

describe("splunk_hec: event mode with every roaming fixture", () => {
  it.each(ROAMING_FIXTURES)("%s: one request, one envelope holding the roaming data", async (name) => {
    const data = roaming(name);
    const r = await app.query(hecQuery(data, { url: hec.url(), hec_token: TOKEN }));
    expect(r.body).toEqual({ data: true });
    expect(hec.requests).toHaveLength(1);
    const req = hec.requests[0];
    expect(req.headers.authorization).toBe(`Splunk ${TOKEN}`);
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers["x-splunk-request-channel"]).toBeUndefined();
    expect(req.envelopes).toEqual([{ time: Number(event(name).timestamp), source: "misp", sourcetype: "misp:event", event: data }]);
  });
});

describe("splunk_hec: event_per_attribute with every roaming fixture", () => {
  it.each(ROAMING_FIXTURES)("%s: one envelope per flattened attribute, batched into one request", async (name) => {
    const data = roaming(name);
    const ev = event(name);
    const r = await app.query(hecQuery(data, { url: hec.url(), hec_token: TOKEN, event_per_attribute: "yes" }));
    expect(r.body).toEqual({ data: true });
    expect(hec.requests).toHaveLength(1);
    // Separated by newlines, not a JSON array.
    expect(hec.requests[0].body.startsWith("{")).toBe(true);
    expect(hec.requests[0].body.split("\n")).toHaveLength(ev._AttributeFlattened.length);
    const envelopes = hec.envelopes;
    expect(envelopes.map((e) => (e.event as Json).Attribute.uuid)).toEqual(ev._AttributeFlattened.map((a: Json) => a.uuid));
    const objectsById = new Map<string, Json>((ev.Object ?? []).map((o: Json) => [o.id, o]));
    for (const [i, envelope] of envelopes.entries()) {
      const attribute = ev._AttributeFlattened[i];
      const doc = envelope.event as Json;
      expect(envelope.sourcetype).toBe("misp:attribute");
      expect(envelope.time).toBe(Number(attribute.timestamp));
      expect(doc.Attribute).toEqual(attribute);
      expect(Object.keys(doc.Event)).not.toContain("Attribute");
      expect(Object.keys(doc.Event)).not.toContain("Object");
      expect(Object.keys(doc.Event)).not.toContain("_AttributeFlattened");
      expect(doc.Event.uuid).toBe(ev.uuid);
      const object = objectsById.get(attribute.object_id);
      if (object)
        expect(doc.Object).toEqual({ id: object.id, uuid: object.uuid, name: object.name, "meta-category": object["meta-category"] });
      else expect(doc.Object).toBeUndefined();
    }
  });

  it("uses the node's filter result when it is a position-keyed list of attributes", async () => {
    const data = roaming("event-publish-tlp-red");
    const flat = event("event-publish-tlp-red")._AttributeFlattened as Json[];
    const kept = { "1": flat[1], "4": flat[4] };
    const r = await app.query(hecQuery(data, { url: hec.url(), hec_token: TOKEN, event_per_attribute: "true" }, kept));
    expect(r.body).toEqual({ data: true });
    expect(hec.envelopes.map((e) => (e.event as Json).Attribute.value)).toEqual([flat[1].value, flat[4].value]);
  });

  it("ignores a filter result that is not a list of attributes (e.g. tags)", async () => {
    const data = roaming("event-publish-tlp-red");
    const ev = event("event-publish-tlp-red");
    const r = await app.query(hecQuery(data, { url: hec.url(), hec_token: TOKEN, event_per_attribute: "1" }, [ev.Tag[0]]));
    expect(r.body).toEqual({ data: true });
    expect(hec.envelopes).toHaveLength(ev._AttributeFlattened.length);
  });

  it("refuses attribute mode for data without an Event", async () => {
    const r = await app.query(
      hecQuery({ User: { id: "1", email: "admin@example.org" } }, { url: hec.url(), hec_token: TOKEN, event_per_attribute: "true" }),
    );
    expect(r.body.error).toMatch(/^splunk_hec: event_per_attribute needs data in MISP core format/);
    expect(hec.requests).toHaveLength(0);
  });
});

describe("splunk_hec: envelope fields, channel, extraction model", () => {
  it("sends index, host, source, sourcetype and the channel header", async () => {
    hec.requireChannel = true;
    const data = roaming("event-publish-minimal-no-tags");
    const r = await app.query(
      hecQuery(data, {
        url: hec.url(),
        hec_token: TOKEN,
        index: "threat_intel",
        host: "misp.example.org",
        source: "misp-prod",
        source_type: "misp:json",
        channel: CHANNEL,
      }),
    );
    expect(r.body).toEqual({ data: true });
    expect(hec.requests[0].headers["x-splunk-request-channel"]).toBe(CHANNEL);
    const { event: _e, ...fields } = hec.envelopes[0];
    expect(fields).toEqual({
      time: Number(event("event-publish-minimal-no-tags").timestamp),
      host: "misp.example.org",
      source: "misp-prod",
      sourcetype: "misp:json",
      index: "threat_intel",
    });
    expect(JSON.stringify(Object.keys(hec.envelopes[0]))).toBe(JSON.stringify(["time", "host", "source", "sourcetype", "index", "event"]));
  });

  it("reports HEC's 'data channel is missing' when the token needs acknowledgment", async () => {
    hec.requireChannel = true;
    const r = await app.query(hecQuery(roaming("event-publish-tlp-white"), { url: hec.url(), hec_token: TOKEN }));
    expect(r.body).toEqual({ error: "splunk_hec: batch 1/1 rejected: HTTP 400 Data channel is missing (code 10)" });
  });

  it("applies the extraction model with hash paths (event mode)", async () => {
    const data = roaming("event-publish-tlp-red");
    const ev = event("event-publish-tlp-red");
    const model = {
      info: "Event.info",
      uuid: "Event.uuid",
      ips: "Event._AttributeFlattened.{n}[type=/^ip-/].value",
      tags: "Event.Tag.{n}.name",
      nothing: "Event.nope",
    };
    const r = await app.query(hecQuery(data, { url: hec.url(), hec_token: TOKEN, data_extraction_model: JSON.stringify(model) }));
    expect(r.body).toEqual({ data: true });
    const ips = ev._AttributeFlattened.filter((a: Json) => /^ip-/.test(a.type)).map((a: Json) => a.value);
    expect(hec.envelopes[0].event).toEqual({
      info: ev.info,
      uuid: ev.uuid,
      ips: ips.length === 1 ? ips[0] : ips,
      tags: ev.Tag.map((t: Json) => t.name),
      nothing: [],
    });
  });

  it("evaluates paths CakePHP accepts even when they look wrong, exactly as MISP would", async () => {
    const data = roaming("event-publish-tlp-red");
    // "name" after the brackets is ignored by CakePHP: the tag objects are extracted.
    const model = { tags: "Event.Tag.{n}[colour=#CC0033]name", none: "Event..info", unclosed: "Event.Tag.{n}[name=tlp:red" };
    const r = await app.query(hecQuery(data, { url: hec.url(), hec_token: TOKEN, data_extraction_model: JSON.stringify(model) }));
    expect(r.body).toEqual({ data: true });
    const tags = event("event-publish-tlp-red").Tag as Json[];
    expect(hec.envelopes[0].event).toEqual({ tags: tags.find((t) => t.colour === "#CC0033"), none: [], unclosed: tags });
  });

  it("a backtracking regex in a path is an error naming the parameter and field, not a stall", async () => {
    const data = roaming("event-publish-tlp-red");
    (data.Event as Json).info = "a".repeat(30) + "!";
    const model = { info: "Event[info=/^(a+)+$/].info" };
    const started = Date.now();
    const r = await app.query(hecQuery(data, { url: hec.url(), hec_token: TOKEN, data_extraction_model: JSON.stringify(model) }));
    expect(r.body.error).toMatch(
      /data_extraction_model.*field "info": hash path "Event\[info=\/\^\(a\+\)\+\$\/\]\.info": the regular expression needs more than/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(hec.requests).toHaveLength(0);
  });

  it("applies the extraction model to each attribute document", async () => {
    const data = roaming("event-publish-sharing-group");
    const ev = event("event-publish-sharing-group");
    const model = { value: "Attribute.value", type: "Attribute.type", event: "Event.uuid", object: "Object.name" };
    const r = await app.query(
      hecQuery(data, { url: hec.url(), hec_token: TOKEN, event_per_attribute: "on", data_extraction_model: JSON.stringify(model) }),
    );
    expect(r.body).toEqual({ data: true });
    expect(hec.envelopes.map((e) => e.event)).toEqual(
      ev._AttributeFlattened.map((a: Json) => ({
        value: a.value,
        type: a.type,
        event: ev.uuid,
        object: a.object_id !== "0" ? ev.Object.find((o: Json) => o.id === a.object_id).name : [],
      })),
    );
  });

  it.each([
    ["not JSON", "{info: Event.info}", /data_extraction_model.*not valid JSON/],
    ["a list", '["Event.info"]', /data_extraction_model.*must be a JSON object/],
    ["a non-string path", '{"info": 3}', /field "info": the hash path must be a string/],
  ])("rejects an extraction model that is %s, before sending", async (_what, model, error) => {
    const r = await app.query(
      hecQuery(roaming("event-publish-tlp-red"), { url: hec.url(), hec_token: TOKEN, data_extraction_model: model }),
    );
    expect(r.body.error).toMatch(error);
    expect(hec.requests).toHaveLength(0);
  });
});

describe("splunk_hec: batching", () => {
  it("cuts batches at batch_max_bytes, sends them in order and loses nothing", async () => {
    const data = roaming("event-publish-mixed-galaxy-objects");
    const ev = event("event-publish-mixed-galaxy-objects");
    const max = 5000;
    const r = await app.query(
      hecQuery(data, { url: hec.url(), hec_token: TOKEN, event_per_attribute: "true", batch_max_bytes: String(max) }),
    );
    expect(r.body).toEqual({ data: true });
    expect(hec.requests.length).toBeGreaterThan(1);
    for (const req of hec.requests) {
      if (req.envelopes.length > 1) expect(Buffer.byteLength(req.body)).toBeLessThanOrEqual(max);
    }
    expect(hec.envelopes.map((e) => (e.event as Json).Attribute.uuid)).toEqual(ev._AttributeFlattened.map((a: Json) => a.uuid));
    // As few requests as possible: no two neighbouring batches would fit together.
    for (let i = 1; i < hec.requests.length; i++) {
      expect(Buffer.byteLength(hec.requests[i - 1].body) + 1 + Buffer.byteLength(hec.requests[i].body.split("\n")[0])).toBeGreaterThan(max);
    }
  });

  it("sends an envelope larger than the limit alone", () => {
    const batches = packBatches(["a".repeat(10), "b".repeat(50), "c".repeat(10), "d".repeat(10)], 21);
    expect(batches).toEqual([
      { body: "a".repeat(10), count: 1 },
      { body: "b".repeat(50), count: 1 },
      { body: `${"c".repeat(10)}\n${"d".repeat(10)}`, count: 2 },
    ]);
  });

  it("counts UTF-8 bytes, not characters", () => {
    expect(packBatches(["é".repeat(5), "é".repeat(5)], 20)).toHaveLength(2);
    expect(packBatches(["é".repeat(5), "é".repeat(5)], 21)).toHaveLength(1);
  });

  it("stops at the first rejected batch and says how far it got", async () => {
    const data = roaming("event-publish-mixed-galaxy-objects");
    hec.script = [
      { status: 200, body: { text: "Success", code: 0 } },
      { status: 400, body: { text: "Invalid data format", code: 6, "invalid-event-number": 5 } },
    ];
    const r = await app.query(hecQuery(data, { url: hec.url(), hec_token: TOKEN, event_per_attribute: "true", batch_max_bytes: "6000" }));
    const firstCount = hec.requests[0].body.split("\n").length;
    // The third and later batches are never sent.
    expect(hec.requests.length).toBe(2);
    const m = /^splunk_hec: batch 2\/(\d+) rejected: HTTP 400 Invalid data format \(code 6, event 5\); (\d+) events sent before$/.exec(
      String(r.body.error),
    );
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(2);
    expect(Number(m![2])).toBe(firstCount);
  });
});

describe("splunk_hec: failures are reported, never success", () => {
  const data = () => roaming("event-publish-tlp-white");

  it("401 when the token is missing from the request (stand-in enforces the header)", async () => {
    hec.script = [{ status: 401, body: { text: "Token is required", code: 2 } }];
    const r = await app.query(hecQuery(data(), { url: hec.url(), hec_token: TOKEN }));
    expect(r.body).toEqual({ error: "splunk_hec: batch 1/1 rejected: HTTP 401 Token is required (code 2)" });
  });

  it("403 for a wrong token, without echoing the token", async () => {
    const wrong = "deadbeef-0000-4000-8000-000000000000";
    const r = await app.query(hecQuery(data(), { url: hec.url(), hec_token: wrong }));
    expect(hec.requests[0].headers.authorization).toBe(`Splunk ${wrong}`);
    expect(r.body).toEqual({ error: "splunk_hec: batch 1/1 rejected: HTTP 403 Invalid token (code 4)" });
  });

  it("403 token disabled", async () => {
    hec.script = [{ status: 403, body: { text: "Token disabled", code: 1 } }];
    const r = await app.query(hecQuery(data(), { url: hec.url(), hec_token: TOKEN }));
    expect(r.body).toEqual({ error: "splunk_hec: batch 1/1 rejected: HTTP 403 Token disabled (code 1)" });
  });

  it("404 for a wrong path, with a body excerpt", async () => {
    const r = await app.query(hecQuery(data(), { url: hec.url("/services/collector/evnt"), hec_token: TOKEN }));
    expect(hec.requests[0].url).toBe("/services/collector/evnt");
    expect(r.body).toEqual({
      error: "splunk_hec: batch 1/1 rejected: HTTP 404 The requested URL was not found on this server. (code 404)",
    });
  });

  it("413 from a proxy in front of HEC (HTML body cut to an excerpt)", async () => {
    hec.script = [{ status: 413, body: `<html><body><h1>413 Request Entity Too Large</h1>${"x".repeat(2000)}</body></html>` }];
    const r = await app.query(hecQuery(data(), { url: hec.url(), hec_token: TOKEN }));
    const error = String(r.body.error);
    expect(error).toMatch(/^splunk_hec: batch 1\/1 rejected: HTTP 413 Payload Too Large: <html><body><h1>413 Request Entity Too Large/);
    expect(error.length).toBeLessThan(420);
  });

  it("429 with Retry-After", async () => {
    hec.script = [{ status: 429, body: "Too many requests", headers: { "retry-after": "30" } }];
    const r = await app.query(hecQuery(data(), { url: hec.url(), hec_token: TOKEN }));
    expect(r.body).toEqual({ error: "splunk_hec: batch 1/1 rejected: HTTP 429 Too Many Requests: Too many requests; retry after 30 s" });
    expect(hec.requests).toHaveLength(1);
  });

  it("500 internal error", async () => {
    hec.script = [{ status: 500, body: { text: "Internal server error", code: 8 } }];
    const r = await app.query(hecQuery(data(), { url: hec.url(), hec_token: TOKEN }));
    expect(r.body).toEqual({ error: "splunk_hec: batch 1/1 rejected: HTTP 500 Internal server error (code 8)" });
  });

  it("503 server busy (code 9) is not resent (a resend could duplicate events)", async () => {
    hec.script = [{ status: 503, body: { text: "Server is busy", code: 9 }, headers: { "retry-after": "5" } }];
    const r = await app.query(hecQuery(data(), { url: hec.url(), hec_token: TOKEN }));
    expect(r.body).toEqual({ error: "splunk_hec: batch 1/1 rejected: HTTP 503 Server is busy (code 9); retry after 5 s" });
    expect(hec.requests).toHaveLength(1);
  });

  it("HTTP 200 that is not a HEC acknowledgement (wrong service) is a failure", async () => {
    hec.script = [{ status: 200, body: "<html>Splunk Web login</html>" }];
    const r = await app.query(hecQuery(data(), { url: hec.url(), hec_token: TOKEN }));
    expect(r.body.error).toBe(
      "splunk_hec: batch 1/1 rejected: HTTP 200 OK: <html>Splunk Web login</html> (not a HEC acknowledgement; is the URL a Splunk HTTP Event Collector?)",
    );
  });

  it("a server that never answers times out", async () => {
    hec.script = ["hang"];
    const started = Date.now();
    const r = await app.query(hecQuery(data(), { url: hec.url(), hec_token: TOKEN }));
    expect(r.body.error).toMatch(/^splunk_hec: batch 1\/1 failed: .*(1500 ms|time)/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("a connection reset mid-request", async () => {
    hec.script = ["reset"];
    const r = await app.query(hecQuery(data(), { url: hec.url(), hec_token: TOKEN }));
    expect(r.body.error).toMatch(/^splunk_hec: batch 1\/1 failed: /);
    expect(hec.requests).toHaveLength(1);
  });

  it("connection refused", async () => {
    const closed = await new HecStandIn().start();
    const url = closed.url();
    await closed.close();
    const r = await app.query(hecQuery(data(), { url, hec_token: TOKEN }));
    expect(r.body.error).toMatch(/^splunk_hec: batch 1\/1 failed: connection refused/);
  });
});

describe("splunk_hec: TLS", () => {
  let tlsHec: HecStandIn;
  beforeAll(async () => {
    tlsHec = await new HecStandIn(true).start();
  });
  afterAll(() => tlsHec.close());

  it("refuses a self-signed certificate by default", async () => {
    const r = await app.query(hecQuery(roaming("event-publish-tlp-red"), { url: tlsHec.url(), hec_token: TOKEN }));
    expect(r.body.error).toMatch(/^splunk_hec: batch 1\/1 failed: TLS error .*self-signed/);
    expect(tlsHec.requests).toHaveLength(0);
  });

  it("accepts it with verify_tls false (honoured, unlike the built-in module)", async () => {
    const r = await app.query(hecQuery(roaming("event-publish-tlp-red"), { url: tlsHec.url(), hec_token: TOKEN, verify_tls: "false" }));
    expect(r.body).toEqual({ data: true });
    expect(tlsHec.envelopes).toHaveLength(1);
  });
});

describe("splunk_hec: parameters", () => {
  it.each([
    ["https://splunk:8088", "https://splunk:8088/services/collector/event"],
    ["https://splunk:8088/", "https://splunk:8088/services/collector/event"],
    ["https://splunk:8088/services/collector", "https://splunk:8088/services/collector/event"],
    ["https://splunk:8088/services/collector/", "https://splunk:8088/services/collector/event"],
    ["https://splunk:8088/services/collector/event", "https://splunk:8088/services/collector/event"],
    ["https://hec.example.org/custom/path?x=1", "https://hec.example.org/custom/path?x=1"],
  ])("endpoint for %s", (given, expected) => {
    expect(hecEventEndpoint(given)).toBe(expected);
  });

  it("completes a base URL to the event endpoint", async () => {
    const r = await app.query(hecQuery(roaming("event-publish-tlp-red"), { url: `http://127.0.0.1:${hec.port}`, hec_token: TOKEN }));
    expect(r.body).toEqual({ data: true });
    expect(hec.requests[0].url).toBe("/services/collector/event");
  });

  it.each([
    [{ url: "" }, 'splunk_hec: parameter "url": is required'],
    [{ hec_token: "" }, 'splunk_hec: parameter "hec_token": is required'],
    [{ url: "ftp://splunk/" }, 'splunk_hec: parameter "url": must be an http:// or https:// URL'],
    [
      { url: "https://splunk:8088/services/collector/raw" },
      'splunk_hec: parameter "url": the raw endpoint (/services/collector/raw) is not supported; use /services/collector/event',
    ],
    [{ verify_tls: "maybe" }, 'splunk_hec: parameter "verify_tls": must be true or false'],
    [{ event_per_attribute: "2" }, 'splunk_hec: parameter "event_per_attribute": must be true or false'],
    [{ batch_max_bytes: "1MB" }, 'splunk_hec: parameter "batch_max_bytes": must be a whole number'],
    [{ channel: "not-a-guid" }, 'splunk_hec: parameter "channel": must be a GUID such as 0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba'],
  ])("rejects %j before sending", async (override, error) => {
    const r = await app.query(hecQuery(roaming("event-publish-tlp-red"), { url: hec.url(), hec_token: TOKEN, ...override }));
    expect(r.body).toEqual({ error });
    expect(hec.requests).toHaveLength(0);
  });

  it("publishes the descriptor of docs/modules.md#action-modules", async () => {
    const res = await fetch(`${app.url}/modules`);
    const list = (await res.json()) as Json[];
    const d = list.find((m) => m.name === "splunk_hec")!;
    expect(d.type).toBe("action_mod");
    expect(Object.keys(d.meta.config.params)).toEqual([...PARAMS, "delivery"]);
    expect(d.meta.config.params.url.value).toBe("https://splunk:8088/services/collector/event");
    expect(d.meta.config.params.verify_tls.value).toBe("true");
    expect(d.meta.config.params.event_per_attribute.value).toBe("false");
    expect(d.meta.config.params.batch_max_bytes.value).toBe("1000000");
    expect(d.meta.config.params.data_extraction_model).toMatchObject({ type: "large_string", value: '{"info": "Event.info"}' });
    expect(d.meta.config).toMatchObject({ support_filters: true, expect_misp_core_format: true, blocking: false });
    expect([d.meta.icon, d.meta.icon_class]).toEqual(["database", "fas"]);
  });
});

describe("splunk_hec: the example of docs/actions-delivery.md", () => {
  const doc = readFileSync(new URL("../../../docs/actions-delivery.md", import.meta.url), "utf8");
  const model = /<!-- template: splunk-model -->\n```json\n([\s\S]*?)\n```/.exec(doc)![1];
  const documentedLine = /the request body line is:\n\n```json\n(.*)\n```/.exec(doc)![1];

  it("exports the IDS attributes kept by the documented node filter, with the documented model", async () => {
    const data = roaming("event-publish-mixed-galaxy-objects");
    const ev = data.Event as Json;
    // What MISP computes for the node filter and sends as filteredItems (docs/protocol.md#action-request).
    const filteredItems = filterItemsAsMispSends(data, {
      selector: "Event._AttributeFlattened.{n}",
      path: "to_ids",
      operator: "equals",
      value: "1",
    });
    const r = await app.query(
      hecQuery(
        data,
        {
          url: `http://127.0.0.1:${hec.port}`,
          hec_token: TOKEN,
          index: "threat_intel",
          event_per_attribute: "true",
          data_extraction_model: model,
        },
        filteredItems,
      ),
    );
    expect(r.body).toEqual({ data: true });
    const ids = ev._AttributeFlattened.filter((a: Json) => a.to_ids === true);
    expect(ids.length).toBeLessThan(ev._AttributeFlattened.length);
    expect(hec.envelopes.map((e) => (e.event as Json).value)).toEqual(ids.map((a: Json) => a.value));
    expect(hec.requests[0].body.split("\n")).toContain(documentedLine);
  });
});
