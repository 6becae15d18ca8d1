import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import def from "../../../src/modules/action/thehive.js";
import { THEHIVE_DATA_TYPE } from "../../../src/modules/shared/cases/thehive-observables.js";
import { ROAMING_FIXTURES, roaming, startTestApp, type TestApp } from "../../helpers/app.js";
import { cliQuery, nodeRequest } from "../../helpers/action-node.js";
import { failures, startStandIn, type StandIn } from "../../helpers/stand-in.js";
import { THEHIVE_DATA_TYPES, THEHIVE_KEY, theHiveStandIn, type TheHiveState } from "./stand-ins/thehive.js";
import { transportErrors } from "./stand-ins/transport.js";

let app: TestApp;
let hive: StandIn;
let state: TheHiveState;

const request = (data: unknown, values: Record<string, string> = {}, extra: Record<string, unknown> = {}) =>
  nodeRequest("thehive", def, data, { thehive_url: hive.url, api_key: THEHIVE_KEY, ...values }, extra);
const sent = () => JSON.parse(hive.last().body) as Record<string, any>;

beforeAll(async () => {
  hive = await startStandIn();
  app = await startTestApp(
    { http: { timeoutMs: 1000 }, modules: { thehive: { misp_base_url: "https://misp.example.org" } } },
    { env: { MISP_MODULES_SECRET_HIVE: THEHIVE_KEY } },
  );
}, 120_000);
afterAll(async () => {
  await app.close();
  await hive.close();
});
beforeEach(() => {
  hive.reset();
  const s = theHiveStandIn();
  state = s.state;
  hive.handle(s.handler);
});

describe("thehive descriptor and mapping", () => {
  it("declares secrets, templates and placeholders that are valid values", async () => {
    const list = (await (await fetch(`${app.url}/modules`)).json()) as Array<{ name: string; meta: Record<string, any> }>;
    const config = list.find((m) => m.name === "thehive")!.meta.config;
    const params = config.params as Record<string, { type: string; value?: string; jinja_supported?: boolean }>;
    expect(Object.keys(params)).toEqual([...Object.keys(def.params), "delivery"]);
    expect(params.api_key!.jinja_supported).toBeUndefined();
    for (const p of ["title", "description", "tags", "custom_fields"]) expect(params[p]!.jinja_supported, p).toBe(true);
    expect([params.create!.value, params.severity!.value, params.tlp!.value, params.observables!.value, params.scope!.value]).toEqual([
      "alert",
      "auto",
      "auto",
      "all",
      "event",
    ]);
    expect(config.support_filters).toBe(true);
  });

  it("maps MISP types only to data types TheHive knows", () => {
    for (const [type, dataType] of Object.entries(THEHIVE_DATA_TYPE)) expect(THEHIVE_DATA_TYPES, type).toContain(dataType);
  });
});

describe("thehive alerts", () => {
  it("creates an alert: sourceRef = event UUID, severity/TLP/PAP from the event, observables mapped, ioc from to_ids", async () => {
    const data = roaming("event-publish-tlp-red") as { Event: Record<string, any> };
    expect((await app.query(request(data))).body).toEqual({ data: true });
    const req = hive.last();
    expect(req.path).toBe("/api/v1/alert");
    expect(req.headers.authorization).toBe(`Bearer ${THEHIVE_KEY}`);
    expect(req.headers["x-organisation"]).toBeUndefined();
    const alert = sent();
    expect(alert).toMatchObject({
      type: "misp-event",
      source: "MISP",
      sourceRef: data.Event.uuid,
      title: `[MISP] Event 1201: ${data.Event.info}`,
      severity: 3,
      tlp: 3,
      pap: 3,
      externalLink: "https://misp.example.org/events/view/1201",
      date: Number(data.Event.timestamp) * 1000,
    });
    expect(alert.tags).toEqual(data.Event.Tag.map((t: { name: string }) => t.name));
    expect(alert.description).toContain("[Open the event in MISP](https://misp.example.org/events/view/1201)");
    const byType = (dt: string) =>
      alert.observables.filter((o: { dataType: string }) => o.dataType === dt).map((o: { data: string }) => o.data);
    const flat = data.Event._AttributeFlattened as Array<Record<string, any>>;
    const ipSrc = flat.find((a) => a.type === "ip-src")!;
    const ipPort = flat.find((a) => a.type === "ip-dst|port")!;
    expect(byType("ip")).toEqual([ipSrc.value, ipPort.value.split("|")[0]]);
    expect(byType("hash")).toHaveLength(3);
    const email = alert.observables.find((o: { dataType: string }) => o.dataType === "mail");
    expect(email.ioc).toBe(false);
    expect(email.tags).toContain('misp:type="email-src"');
    expect(alert.observables.find((o: { data: string }) => o.data === ipSrc.value)).toMatchObject({
      ioc: true,
      tags: ['misp:type="ip-src"', 'false-positive:risk="low"'],
    });
    expect(state.alerts.size).toBe(1);
  });

  it("a second run finds the alert already there: success, no duplicate", async () => {
    const data = roaming("event-publish-tlp-white");
    expect((await app.query(request(data))).body).toEqual({ data: true });
    expect((await app.query(request(data))).body).toEqual({ data: true });
    expect(hive.requests.map((r) => r.path)).toEqual(["/api/v1/alert", "/api/v1/alert"]);
    expect(state.alerts.size).toBe(1);
    // Another source is another alert.
    expect((await app.query(request(data, { source: "MISP-2" }))).body).toEqual({ data: true });
    expect(state.alerts.size).toBe(2);
  });

  it("uses the rendered title, description, tags, explicit markings, organisation, custom fields; ids-only observables", async () => {
    const data = roaming("event-publish-mixed-galaxy-objects") as { Event: Record<string, any> };
    const r = await app.query(
      request(data, {
        api_key: "secret:HIVE",
        title: "Sofacy wave",
        description: "**bold**",
        tags: "misp, apt28 ;apt28",
        severity: "critical",
        tlp: "amber",
        pap: "white",
        organisation: "CERT",
        custom_fields: '{"misp-event-id": "77", "score": 5}',
        observables: "ids",
        case_template: "MISP",
      }),
    );
    expect(r.body).toEqual({ data: true });
    expect(hive.last().headers["x-organisation"]).toBe("CERT");
    const alert = sent();
    expect(alert).toMatchObject({
      title: "Sofacy wave",
      description: "**bold**",
      tags: ["misp", "apt28"],
      severity: 4,
      tlp: 2,
      pap: 0,
      caseTemplate: "MISP",
    });
    expect(alert.customFields).toEqual([
      { name: "misp-event-id", value: "77", order: 0 },
      { name: "score", value: 5, order: 1 },
    ]);
    expect(alert.observables.every((o: { ioc: boolean }) => o.ioc)).toBe(true);
    const idsCount = (data.Event._AttributeFlattened as Array<{ to_ids: boolean }>).filter((a) => a.to_ids).length;
    expect(alert.observables.length).toBeLessThanOrEqual(idsCount);
  });

  it("unknown MISP types become `other` tagged with the type; the node filter picks the observables", async () => {
    const data = roaming("event-publish-onion-pap-red") as { Event: Record<string, any> };
    const flat = data.Event._AttributeFlattened as Array<Record<string, any>>;
    const btc = flat.find((a) => a.type === "btc")!;
    await app.query(request(data, {}, { filteredItems: { 2: btc } }));
    expect(sent().observables).toEqual([
      { dataType: "other", data: btc.value, ioc: btc.to_ids, tags: ['misp:type="btc"'], message: btc.comment },
    ]);
  });

  it("attribute scope: sourceRef = the attribute UUID", async () => {
    const data = roaming("event-publish-minimal-no-tags") as { Event: Record<string, any> };
    await app.query(request(data, { scope: "attribute" }));
    expect(sent().sourceRef).toBe(data.Event._AttributeFlattened[0].uuid);
    expect((await app.query(request(roaming("event-publish-tlp-red"), { scope: "attribute" }))).body.error).toBe(
      "thehive: scope attribute needs an attribute trigger (data with exactly one attribute)",
    );
  });

  it("case mode: creates the alert and promotes it with the case template", async () => {
    const data = roaming("event-publish-sharing-group");
    expect((await app.query(request(data, { create: "case", case_template: "Incident" }))).body).toEqual({ data: true });
    expect(hive.requests.map((r) => r.path)).toEqual(["/api/v1/alert", expect.stringMatching(/^\/api\/v1\/alert\/~\d+\/case$/)]);
    expect(state.cases).toEqual([expect.objectContaining({ caseTemplate: "Incident" })]);
    expect(JSON.parse(hive.requests[0]!.body).caseTemplate).toBeUndefined();
  });

  it("refuses bad parameters and data without an event, sending nothing", async () => {
    expect((await app.query(request({}, { custom_fields: "[1]" }))).body.error).toMatch(/custom_fields.*JSON object/);
    expect((await app.query(request({ User: { id: "1" } }))).body.error).toBe(
      "thehive: the data has no event UUID to use as sourceRef (this node needs an event or attribute trigger)",
    );
    expect((await app.query(request({}, { thehive_url: "ftp://x" }))).body.error).toMatch(/thehive_url/);
    expect(hive.requests).toHaveLength(0);
  });
});

describe("thehive refusals", () => {
  const data = () => roaming("event-publish-minimal-no-tags");

  it("reports TheHive's own error type and message: 401, 403, 404, 400, 429, 5xx", async () => {
    expect((await app.query(request(data(), { api_key: "wrong" }))).body.error).toBe(
      "thehive: HTTP 401 Unauthorized: AuthenticationError: Authentication failure",
    );
    expect((await app.query(request(data(), { organisation: "Nope" }))).body.error).toBe(
      "thehive: HTTP 403 Forbidden: AuthorizationError: Organisation Nope not found or not accessible",
    );
    expect((await app.query(request(data(), { thehive_url: `${hive.url}/prefix` }))).body.error).toBe(
      "thehive: HTTP 404 Not Found: NotFoundError: /prefix/api/v1/alert not found",
    );
    hive.script(
      {
        status: 400,
        body: { type: "AttributeCheckingError", message: '["title"]', errors: [{ name: "title", type: "MissingAttributeError" }] },
      },
      failures.rateLimited(30, { type: "TooManyRequests", message: "slow down" }),
      // Without Retry-After it is retried twice (the sourceRef makes a resend safe).
      { status: 429, body: "Too Many Requests" },
      { status: 429, body: "Too Many Requests" },
      { status: 429, body: "Too Many Requests" },
      { status: 500, body: { type: "InternalError", message: `database down (key ${THEHIVE_KEY})` } },
      { status: 201, body: "<html>not TheHive</html>" },
    );
    const errors: string[] = [];
    for (let i = 0; i < 5; i++) errors.push((await app.query(request(data()))).body.error as string);
    expect(errors).toEqual([
      'thehive: HTTP 400 Bad Request: AttributeCheckingError: ["title"] (title: MissingAttributeError)',
      "thehive: HTTP 429 Too Many Requests, rate limited, retry after 30 s: TooManyRequests: slow down",
      "thehive: HTTP 429 Too Many Requests, rate limited: Too Many Requests",
      "thehive: HTTP 500 Internal Server Error: InternalError: database down (key ***)",
      "thehive: unexpected answer from TheHive (HTTP 201 Created): <html>not TheHive</html>",
    ]);
  });

  it("503 without Retry-After is retried (sourceRef makes it safe) and the retry's duplicate answer is success", async () => {
    hive.script({ status: 503, body: "Service Unavailable" });
    expect((await app.query(request(data()))).body).toEqual({ data: true });
    expect(hive.requests).toHaveLength(2);
    expect(state.alerts.size).toBe(1);
  });

  it("case mode after a failed promotion: the next run finds the alert and promotes it, once", async () => {
    const s = theHiveStandIn();
    let refuse = true;
    hive.handle((req) => (refuse && req.path.endsWith("/case") ? { status: 503, body: "Service Unavailable" } : s.handler(req)));
    const first = await app.query(request(data(), { create: "case" }));
    expect(first.body.error).toMatch(/^thehive: alert ~\d+ created, but not promoted to a case: HTTP 503 Service Unavailable/);
    refuse = false;
    expect((await app.query(request(data(), { create: "case" }))).body).toEqual({ data: true });
    expect(s.state.cases).toHaveLength(1);
    expect((await app.query(request(data(), { create: "case" }))).body).toEqual({ data: true });
    expect(s.state.cases).toHaveLength(1);
    const lookups = hive.requests.filter((r) => r.path === "/api/v1/query");
    expect(lookups).toHaveLength(2);
    expect(JSON.parse(lookups[0]!.body).query[1]._and).toEqual([
      { _eq: { _field: "type", _value: "misp-event" } },
      { _eq: { _field: "source", _value: "MISP" } },
      { _eq: { _field: "sourceRef", _value: (data() as { Event: { uuid: string } }).Event.uuid } },
    ]);
  });

  it("a failed promotion says the alert exists", async () => {
    hive.reset();
    const s = theHiveStandIn();
    hive.handle((req) =>
      req.path.endsWith("/case")
        ? { status: 403, body: { type: "AuthorizationError", message: "Your are not authorized to create case" } }
        : s.handler(req),
    );
    const r = await app.query(request(data(), { create: "case" }));
    expect(r.body.error).toMatch(
      /^thehive: alert ~\d+ created, but not promoted to a case: HTTP 403 Forbidden: AuthorizationError: Your are not authorized to create case$/,
    );
  });

  it("fails on a hang, a self-signed certificate (unless verify_tls is off) and a refused connection", { timeout: 60_000 }, async () => {
    const e = await transportErrors(app, (url) => request(data(), { thehive_url: url }), theHiveStandIn().handler);
    expect(e.hang).toMatch(/^thehive: creating the TheHive alert failed: no response from 127\.0\.0\.1:\d+ within 1000 ms/);
    expect(e.selfSigned).toMatch(/^thehive: creating the TheHive alert failed: TLS error .*self-signed/);
    expect(e.selfSignedRequests).toBe(0);
    expect(e.refused).toMatch(/^thehive: creating the TheHive alert failed: connection refused/);
    const tls = await startStandIn({ tls: true, handler: theHiveStandIn().handler });
    try {
      expect((await app.query(request(data(), { thehive_url: tls.url, verify_tls: "false" }))).body).toEqual({ data: true });
    } finally {
      await tls.close();
    }
  });
});

describe("thehive with every roaming fixture", () => {
  it.each(ROAMING_FIXTURES)(
    "%s through POST /query and the query CLI",
    async (name) => {
      const data = roaming(name) as { Event: Record<string, any> };
      expect((await app.query(request(data))).body).toEqual({ data: true });
      const alert = sent();
      expect(alert.sourceRef).toBe(data.Event.uuid);
      expect(alert.observables.length).toBeGreaterThan(0);
      for (const o of alert.observables) expect(THEHIVE_DATA_TYPES).toContain(o.dataType);
      // Again through the CLI with templates: already there, success.
      const r = await cliQuery(app.url, "thehive", name, {
        thehive_url: hive.url,
        api_key: THEHIVE_KEY,
        title: "{{ Event.info }}",
        tags: "misp, {{ Event.Orgc.name }}",
      });
      expect(r.reply, r.stderr).toEqual({ data: true });
      expect(sent()).toMatchObject({ title: data.Event.info, tags: ["misp", data.Event.Orgc.name] });
      expect(state.alerts.size).toBe(1);
    },
    60_000,
  );
});
