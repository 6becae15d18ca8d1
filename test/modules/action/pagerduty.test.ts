import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import def from "../../../src/modules/action/pagerduty.js";
import { ROAMING_FIXTURES, roaming, startTestApp, type TestApp } from "../../helpers/app.js";
import { cliQuery, nodeRequest } from "../../helpers/action-node.js";
import { failures, startStandIn, type StandIn } from "../../helpers/stand-in.js";
import { PD_ROUTING_KEY, pagerDutyStandIn, type PagerDutyState } from "./stand-ins/pagerduty.js";
import { transportErrors } from "./stand-ins/transport.js";

let app: TestApp;
let pd: StandIn;
let state: PagerDutyState;

const request = (data: unknown, values: Record<string, string> = {}, extra: Record<string, unknown> = {}) =>
  nodeRequest("pagerduty", def, data, { routing_key: PD_ROUTING_KEY, events_url: pd.url, ...values }, extra);
const sent = () => JSON.parse(pd.last().body) as Record<string, any>;

beforeAll(async () => {
  pd = await startStandIn();
  app = await startTestApp(
    { http: { timeoutMs: 1000 }, modules: { pagerduty: { misp_base_url: "https://misp.example.org/" } } },
    { env: { MISP_MODULES_SECRET_PD_KEY: PD_ROUTING_KEY } },
  );
}, 120_000);
afterAll(async () => {
  await app.close();
  await pd.close();
});
beforeEach(() => {
  pd.reset();
  const s = pagerDutyStandIn();
  state = s.state;
  pd.handle(s.handler);
});

describe("pagerduty descriptor", () => {
  it("declares the key as a secret, templates as jinja, placeholders that are valid values", async () => {
    const list = (await (await fetch(`${app.url}/modules`)).json()) as Array<{ name: string; meta: Record<string, any> }>;
    const d = list.find((m) => m.name === "pagerduty")!;
    const params = d.meta.config.params as Record<string, { type: string; value?: string; jinja_supported?: boolean }>;
    expect(Object.keys(params)).toEqual([
      "routing_key",
      "event_action",
      "summary",
      "severity",
      "dedup_key",
      "source",
      "component",
      "group",
      "event_class",
      "events_url",
      "delivery",
    ]);
    expect(params.summary!.jinja_supported).toBe(true);
    expect(params.dedup_key!.jinja_supported).toBe(true);
    expect(params.routing_key!.jinja_supported).toBeUndefined();
    expect(params.event_action!.value).toBe("trigger");
    expect(params.severity!.value).toBe("auto");
    expect(params.events_url!.value).toBe("https://events.pagerduty.com");
  });
});

describe("pagerduty trigger and resolve", () => {
  it("triggers with the dedup_key from the event UUID, severity from the threat level and a link back to MISP", async () => {
    const data = roaming("event-publish-tlp-red") as { Event: Record<string, any> };
    expect((await app.query(request(data))).body).toEqual({ data: true });
    const body = sent();
    expect(pd.last().headers.authorization).toBeUndefined();
    expect(body).toMatchObject({
      routing_key: PD_ROUTING_KEY,
      event_action: "trigger",
      dedup_key: `misp-event-${data.Event.uuid}`,
      client: "MISP",
      client_url: "https://misp.example.org/events/view/1201",
      links: [{ href: "https://misp.example.org/events/view/1201", text: "MISP event 1201" }],
      payload: { summary: `[MISP] Event 1201: ${data.Event.info}`, source: "MISP", severity: "critical" },
    });
    expect(body.payload.custom_details).toMatchObject({
      event_uuid: data.Event.uuid,
      org: "CIRCL",
      threat_level: "High",
      attribute_count: 9,
    });
    expect(body.payload.custom_details.tags).toContain("tlp:red");
    expect(new Date(body.payload.timestamp).getTime()).toBe(Number(data.Event.timestamp) * 1000);
  });

  it("a repeated trigger updates the same alert; a resolve node closes it", async () => {
    const data = roaming("event-publish-tlp-white");
    await app.query(request(data));
    await app.query(request(data));
    expect(state.opened).toBe(1);
    expect((await app.query(request(data, { event_action: "resolve" }))).body).toEqual({ data: true });
    expect(Object.keys(sent()).sort()).toEqual(["dedup_key", "event_action", "routing_key"]);
    expect(state.alerts.size).toBe(0);
  });

  it("uses the rendered summary, dedup_key and severity when set; resolves a secret:NAME key", async () => {
    const r = await app.query(
      request({}, { routing_key: "secret:PD_KEY", summary: "Sofacy C2 seen", dedup_key: "case-7", severity: "warning", component: "c2" }),
    );
    expect(r.body).toEqual({ data: true });
    expect(sent()).toMatchObject({ dedup_key: "case-7", payload: { summary: "Sofacy C2 seen", severity: "warning", component: "c2" } });
  });

  it("cuts a long summary to 1024 characters; refuses bad keys and a resolve without any dedup_key, sending nothing", async () => {
    await app.query(request({}, { summary: "x".repeat(3000) }));
    expect(sent().payload.summary).toHaveLength(1024);
    pd.reset();
    expect((await app.query(request({}, { routing_key: "short" }))).body.error).toBe(
      "pagerduty: routing_key must be the 32-character integration key (letters and digits)",
    );
    expect((await app.query(request({ User: { id: "1" } }, { event_action: "resolve" }))).body.error).toBe(
      "pagerduty: resolve needs a dedup_key: the data has no event UUID, set dedup_key",
    );
    expect((await app.query(request({}, { dedup_key: "k".repeat(256) }))).body.error).toMatch(/dedup_key is 256 characters long/);
    expect((await app.query(request({}, { severity: "urgent" }))).body.error).toMatch(/severity/);
    expect(pd.requests).toHaveLength(0);
  });
});

describe("pagerduty payload size", () => {
  it("adds the filtered attributes to the custom details, and leaves them out when the event would pass 512 KB", async () => {
    const data = roaming("event-publish-tlp-red") as { Event: Record<string, any> };
    const kept = { 1: data.Event._AttributeFlattened[1] };
    await app.query(request(data, {}, { filteredItems: kept }));
    expect(sent().payload.custom_details.matching_attributes).toEqual([data.Event._AttributeFlattened[1]]);
    const big = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [i, { type: "text", value: "x".repeat(20_000) }]));
    expect((await app.query(request(data, {}, { filteredItems: big }))).body).toEqual({ data: true });
    const details = sent().payload.custom_details;
    expect(details.matching_attributes).toBeUndefined();
    expect(details.matching_attributes_omitted).toBe("too large for PagerDuty (512 KB)");
    expect(Buffer.byteLength(pd.last().body)).toBeLessThan(512 * 1024);
  });
});

describe("pagerduty refusals", () => {
  it("reports PagerDuty's own error text for 400, the status for 401/403/404/5xx, and 429 with and without Retry-After", async () => {
    const wrongKey = await app.query(request({}, { routing_key: "0".repeat(32) }));
    expect(wrongKey.body.error).toBe(
      "pagerduty: PagerDuty refused the event (HTTP 400 Bad Request): Event object is invalid: Invalid routing key",
    );
    // 429 is retried (the dedup_key makes a resend safe): three answers for one query.
    pd.script(failures.unauthorized(), failures.forbidden(), failures.notFound(), failures.serverError("upstream failed"));
    const errors: unknown[] = [];
    for (let i = 0; i < 4; i++) errors.push((await app.query(request({}))).body.error);
    expect(errors).toEqual([
      "pagerduty: HTTP 401 Unauthorized: Unauthorized",
      "pagerduty: HTTP 403 Forbidden: Forbidden",
      "pagerduty: HTTP 404 Not Found: Not Found",
      "pagerduty: HTTP 500 Internal Server Error: upstream failed",
    ]);
    pd.reset();
    pd.script(failures.rateLimited(60, "429 - Request Limit Exceeded"));
    expect((await app.query(request({}))).body.error).toBe(
      "pagerduty: HTTP 429 Too Many Requests, rate limited by PagerDuty (the event was not accepted), retry after 60 s: 429 - Request Limit Exceeded",
    );
    pd.reset();
    const limited = { status: 429, body: "429 - Request Limit Exceeded" };
    pd.script(limited, limited, limited);
    const withKey = request(roaming("event-publish-minimal-no-tags"));
    expect((await app.query(withKey)).body.error).toBe(
      "pagerduty: HTTP 429 Too Many Requests, rate limited by PagerDuty (the event was not accepted): 429 - Request Limit Exceeded",
    );
    // Sent three times (the dedup_key makes it safe). Without an event UUID the key comes from
    // the delivery id: the same on every resend, so those are safe too.
    expect(pd.requests).toHaveLength(3);
    pd.reset();
    pd.script(limited, limited, limited);
    expect((await app.query(request({}))).body.error).toMatch(/^pagerduty: HTTP 429 /);
    const keys = pd.requests.map((r) => (JSON.parse(r.body) as { dedup_key: string }).dedup_key);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^misp-delivery-msg_[0-9a-f]{32}$/);
    // A short Retry-After is waited for, and the resend succeeds.
    pd.reset();
    pd.script(failures.rateLimited(0, "429 - Request Limit Exceeded"));
    expect((await app.query(request(roaming("event-publish-minimal-no-tags")))).body).toEqual({ data: true });
    expect(pd.requests).toHaveLength(2);
  });

  it("never shows the routing key", async () => {
    pd.script({ status: 400, body: { status: "invalid event", message: `key ${PD_ROUTING_KEY} suspended`, errors: [] } });
    const r = await app.query(request({}));
    expect(r.body.error).toBe("pagerduty: PagerDuty refused the event (HTTP 400 Bad Request): key *** suspended");
  });

  it("fails on a hang, a self-signed certificate and a refused connection", { timeout: 60_000 }, async () => {
    const e = await transportErrors(app, (url) => request({}, { events_url: url }), pagerDutyStandIn().handler);
    expect(e.hang).toMatch(/^pagerduty: sending the event to PagerDuty failed: no response from 127\.0\.0\.1:\d+ within 1000 ms/);
    expect(e.selfSigned).toMatch(/^pagerduty: sending the event to PagerDuty failed: TLS error .*self-signed/);
    expect(e.selfSignedRequests).toBe(0);
    expect(e.refused).toMatch(/^pagerduty: sending the event to PagerDuty failed: connection refused/);
  });
});

describe("pagerduty with every roaming fixture", () => {
  it.each(ROAMING_FIXTURES)("%s through POST /query", async (name) => {
    const data = roaming(name) as { Event: Record<string, any> };
    expect((await app.query(request(data))).body).toEqual({ data: true });
    const body = sent();
    const severity = { "1": "critical", "2": "error", "3": "warning", "4": "info" }[data.Event.threat_level_id as string];
    expect(body.dedup_key).toBe(`misp-event-${data.Event.uuid}`);
    expect(body.payload.severity).toBe(severity);
    expect(body.payload.summary).toBe(`[MISP] Event ${data.Event.id}: ${data.Event.info}`);
  });

  it.each(ROAMING_FIXTURES)(
    "%s through the query CLI (summary rendered by the server)",
    async (name) => {
      const data = roaming(name) as { Event: Record<string, any> };
      const r = await cliQuery(app.url, "pagerduty", name, {
        routing_key: PD_ROUTING_KEY,
        events_url: pd.url,
        summary: "{{ Event.Orgc.name }}: {{ Event.info }}",
      });
      expect(r.reply, r.stderr).toEqual({ data: true });
      expect(r.code).toBe(0);
      expect(sent().payload.summary).toBe(`${data.Event.Orgc.name}: ${data.Event.info}`);
    },
    60_000,
  );
});
