import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import def from "../../../src/modules/action/dfir_iris.js";
import { ROAMING_FIXTURES, roaming, startTestApp, type TestApp } from "../../helpers/app.js";
import { cliQuery, nodeRequest } from "../../helpers/action-node.js";
import { failures, startStandIn, type StandIn } from "../../helpers/stand-in.js";
import { IRIS_IOC_TYPES, IRIS_KEY, irisStandIn, type IrisVersion } from "./stand-ins/dfir-iris.js";
import { transportErrors } from "./stand-ins/transport.js";

let app: TestApp;
let iris: StandIn;
let alerts: unknown[];
let cases: unknown[];

const request = (data: unknown, values: Record<string, string> = {}, extra: Record<string, unknown> = {}) =>
  nodeRequest("dfir_iris", def, data, { iris_url: iris.url, api_key: IRIS_KEY, customer_id: "1", ...values }, extra);
const posted = () => JSON.parse(iris.requests.filter((r) => r.method === "POST").at(-1)!.body) as Record<string, any>;

function serve(version: IrisVersion) {
  iris.reset();
  const s = irisStandIn(version);
  alerts = s.alerts;
  cases = s.cases;
  iris.handle(s.handler);
}

beforeAll(async () => {
  iris = await startStandIn();
  app = await startTestApp(
    { http: { timeoutMs: 1000 }, modules: { dfir_iris: { misp_base_url: "https://misp.example.org" } } },
    { env: { MISP_MODULES_SECRET_IRIS: IRIS_KEY } },
  );
}, 120_000);
afterAll(async () => {
  await app.close();
  await iris.close();
});
beforeEach(() => serve("2.4"));

describe("dfir_iris descriptor", () => {
  it("secret key, jinja templates, valid placeholders", async () => {
    const list = (await (await fetch(`${app.url}/modules`)).json()) as Array<{ name: string; meta: Record<string, any> }>;
    const params = list.find((m) => m.name === "dfir_iris")!.meta.config.params as Record<
      string,
      { value?: string; jinja_supported?: boolean }
    >;
    expect(Object.keys(params)).toEqual([...Object.keys(def.params), "delivery"]);
    expect(params.api_key!.jinja_supported).toBeUndefined();
    for (const p of ["title", "description", "tags", "case_soc_id"]) expect(params[p]!.jinja_supported, p).toBe(true);
    expect([params.customer_id!.value, params.create!.value, params.api_version!.value, params.alert_status_id!.value]).toEqual([
      "1",
      "alert",
      "auto",
      "2",
    ]);
  });
});

describe("dfir_iris alerts (2.4 routes)", () => {
  it("creates an alert with IOCs typed by the server's IOC type list, severity and TLP mapped", async () => {
    const data = roaming("event-publish-tlp-red") as { Event: Record<string, any> };
    expect((await app.query(request(data))).body).toEqual({ data: true });
    expect(iris.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /manage/ioc-types/list", "POST /alerts/add"]);
    expect(iris.last().headers.authorization).toBe(`Bearer ${IRIS_KEY}`);
    const alert = posted();
    expect(alert).toMatchObject({
      alert_title: `[MISP] Event 1201: ${data.Event.info}`,
      alert_severity_id: 5,
      alert_status_id: 2,
      alert_customer_id: 1,
      alert_source: "MISP",
      alert_source_ref: data.Event.uuid,
      alert_source_link: "https://misp.example.org/events/view/1201",
      alert_tags: data.Event.Tag.map((t: { name: string }) => t.name).join(","),
    });
    const flat = data.Event._AttributeFlattened as Array<Record<string, any>>;
    const ipSrc = flat.find((a) => a.type === "ip-src")!;
    expect(alert.alert_iocs.find((i: { ioc_value: string }) => i.ioc_value === ipSrc.value)).toMatchObject({
      ioc_type_id: IRIS_IOC_TYPES["ip-src"],
      ioc_tlp_id: 1,
    });
    const email = flat.find((a) => a.type === "email-src")!;
    expect(alert.alert_iocs.find((i: { ioc_value: string }) => i.ioc_value === email.value).ioc_type_id).toBe(IRIS_IOC_TYPES["email-src"]);
    // A type IRIS does not list becomes `other`, the MISP type kept in the description and tags.
    const sha512 = { type: "sha512", value: "ab".repeat(64), to_ids: true, uuid: "x" };
    await app.query(request(data, {}, { filteredItems: { 0: sha512 } }));
    expect(posted().alert_iocs).toEqual([
      {
        ioc_value: sha512.value,
        ioc_type_id: IRIS_IOC_TYPES.other,
        ioc_tlp_id: 1,
        ioc_description: "MISP type sha512",
        ioc_tags: 'misp:type="sha512"',
      },
    ]);
    expect(alerts).toHaveLength(2);
  });

  it("templates, explicit severity, ids-only IOCs, no IOC list call when iocs is none", async () => {
    const data = roaming("event-publish-mixed-galaxy-objects") as { Event: Record<string, any> };
    await app.query(
      request(data, {
        api_key: "secret:IRIS",
        title: "Sofacy",
        description: "**x**",
        tags: "misp,apt28",
        severity: "critical",
        iocs: "ids",
      }),
    );
    const alert = posted();
    expect(alert).toMatchObject({ alert_title: "Sofacy", alert_description: "**x**", alert_tags: "misp,apt28", alert_severity_id: 6 });
    const ids = (data.Event._AttributeFlattened as Array<{ to_ids: boolean }>).filter((a) => a.to_ids).length;
    expect(alert.alert_iocs.length).toBeLessThanOrEqual(ids);
    iris.reset();
    await app.query(request(data, { iocs: "none" }));
    expect(iris.requests.map((r) => r.path)).toEqual(["/alerts/add"]);
    expect(posted().alert_iocs).toEqual([]);
  });

  it("reports IRIS's messages: 401, 403, 400 (customer, validation), 404, 429, 5xx", async () => {
    const data = roaming("event-publish-minimal-no-tags");
    expect((await app.query(request(data, { api_key: "wrong" }))).body.error).toBe(
      "dfir_iris: cannot list the IOC types (HTTP 401 Unauthorized): Authentication required",
    );
    expect((await app.query(request(data, { customer_id: "7", iocs: "none" }))).body.error).toBe(
      "dfir_iris: HTTP 400 Bad Request: User not entitled to create alerts for the client",
    );
    expect((await app.query(request(data, { alert_status_id: "99", iocs: "none" }))).body.error).toBe(
      "dfir_iris: HTTP 400 Bad Request: {'alert_status_id': ['Invalid alert status ID']}",
    );
    iris.script(
      { status: 403, body: { status: "error", message: "Permission denied", data: [] } },
      failures.rateLimited(20, "Too Many Requests"),
      { status: 429, body: "Too Many Requests" },
      { status: 502, body: "<html>Bad Gateway</html>" },
      { status: 200, body: { status: "error", message: `odd failure for ${IRIS_KEY}`, data: [] } },
    );
    const errors: string[] = [];
    for (let i = 0; i < 5; i++) errors.push((await app.query(request(data, { iocs: "none", api_version: "v2.4" }))).body.error as string);
    expect(errors).toEqual([
      "dfir_iris: HTTP 403 Forbidden: Permission denied",
      "dfir_iris: HTTP 429 Too Many Requests, rate limited, retry after 20 s: Too Many Requests",
      "dfir_iris: HTTP 429 Too Many Requests, rate limited: Too Many Requests",
      "dfir_iris: HTTP 502 Bad Gateway: <html>Bad Gateway</html>",
      "dfir_iris: HTTP 200 OK: odd failure for ***",
    ]);
    // No duplicate check at IRIS: nothing is resent.
    expect(iris.requests.filter((r) => r.method === "POST")).toHaveLength(7);
  });

  it("fails on a hang, a self-signed certificate (unless verify_tls is off) and a refused connection", { timeout: 60_000 }, async () => {
    const e = await transportErrors(app, (url) => request({}, { iris_url: url, iocs: "none" }), irisStandIn().handler);
    expect(e.hang).toMatch(/^dfir_iris: creating the IRIS alert failed: no response from 127\.0\.0\.1:\d+ within 1000 ms/);
    expect(e.selfSigned).toMatch(/^dfir_iris: creating the IRIS alert failed: TLS error .*self-signed/);
    expect(e.selfSignedRequests).toBe(0);
    expect(e.refused).toMatch(/^dfir_iris: creating the IRIS alert failed: connection refused/);
    const tls = await startStandIn({ tls: true, handler: irisStandIn().handler });
    try {
      expect((await app.query(request(roaming("event-publish-tlp-white"), { iris_url: tls.url, verify_tls: "off" }))).body).toEqual({
        data: true,
      });
    } finally {
      await tls.close();
    }
  });
});

describe("dfir_iris cases and API versions", () => {
  it("creates a case (2.4 envelope) and reports IRIS's field errors", async () => {
    const data = roaming("event-publish-sharing-group") as { Event: Record<string, any> };
    expect((await app.query(request(data, { create: "case" }))).body).toEqual({ data: true });
    expect(posted()).toMatchObject({
      case_name: `[MISP] Event ${data.Event.id}: ${data.Event.info}`,
      case_soc_id: `MISP-${data.Event.id}`,
      case_customer: 1,
      severity_id: 5,
    });
    expect(iris.last().path).toBe("/manage/cases/add");
    expect((await app.query(request(data, { create: "case", customer_id: "3" }))).body.error).toBe(
      "dfir_iris: HTTP 400 Bad Request: Data error (case_customer: Invalid customer ID)",
    );
  });

  it("IRIS 2.5: the old routes still work and their Deprecation header is logged; v2 uses /api/v2 (201, bare object)", async () => {
    serve("2.5");
    const data = roaming("event-publish-onion-pap-red");
    expect((await app.query(request(data))).body).toEqual({ data: true });
    expect(iris.last().path).toBe("/alerts/add");
    expect((await app.query(request(data, { api_version: "v2" }))).body).toEqual({ data: true });
    expect(iris.last().path).toBe("/api/v2/alerts");
    expect((await app.query(request(data, { api_version: "v2", create: "case" }))).body).toEqual({ data: true });
    expect(iris.last().path).toBe("/api/v2/cases");
    expect((await app.query(request(data, { api_version: "v2", customer_id: "5" }))).body.error).toBe(
      "dfir_iris: HTTP 400 Bad Request: User not entitled to create alerts for the client",
    );
    expect(alerts).toHaveLength(2);
    expect(cases).toHaveLength(1);
  });

  it("auto falls back to /api/v2 when the old routes are gone", async () => {
    serve("v2-only");
    const data = roaming("event-publish-tlp-white");
    expect((await app.query(request(data))).body).toEqual({ data: true });
    expect(iris.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /manage/ioc-types/list",
      "GET /api/v2/manage/ioc-types",
      "POST /alerts/add",
      "POST /api/v2/alerts",
    ]);
    expect(posted().alert_iocs.every((i: { ioc_type_id?: number }) => typeof i.ioc_type_id === "number")).toBe(true);
    expect((await app.query(request(data, { api_version: "v2.4", iocs: "none" }))).body.error).toBe("dfir_iris: HTTP 404 Not Found");
  });
});

describe("dfir_iris with every roaming fixture", () => {
  it.each(ROAMING_FIXTURES)(
    "%s through POST /query and the query CLI",
    async (name) => {
      const data = roaming(name) as { Event: Record<string, any> };
      expect((await app.query(request(data))).body).toEqual({ data: true });
      expect(posted().alert_source_ref).toBe(data.Event.uuid);
      const r = await cliQuery(app.url, "dfir_iris", name, {
        iris_url: iris.url,
        api_key: IRIS_KEY,
        customer_id: "1",
        title: "{{ Event.info }}",
        create: "case",
        case_soc_id: "MISP-{{ Event.id }}",
      });
      expect(r.reply, r.stderr).toEqual({ data: true });
      expect(posted()).toMatchObject({ case_name: data.Event.info, case_soc_id: `MISP-${data.Event.id}` });
    },
    60_000,
  );
});
