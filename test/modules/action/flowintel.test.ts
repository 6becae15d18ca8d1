import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import def from "../../../src/modules/action/flowintel.js";
import { ROAMING_FIXTURES, roaming, startTestApp, type TestApp } from "../../helpers/app.js";
import { cliQuery, nodeRequest } from "../../helpers/action-node.js";
import { failures, startStandIn, type StandIn } from "../../helpers/stand-in.js";
import { FLOWINTEL_KEY, FLOWINTEL_READONLY_KEY, flowintelStandIn } from "./stand-ins/flowintel.js";
import { transportErrors } from "./stand-ins/transport.js";
import { jinjaRenderRequest, renderedTextFromReply } from "../../../src/core/misp-request/jinja-call.js";

let app: TestApp;
let fi: StandIn;
let cases: Array<Record<string, any>>;
let tasks: Array<{ caseId: number; title: string }>;

const request = (data: unknown, values: Record<string, string> = {}) =>
  nodeRequest("flowintel", def, data, { flowintel_url: fi.url, api_key: FLOWINTEL_KEY, ...values });
const sent = () => JSON.parse(fi.last().body) as Record<string, any>;

beforeAll(async () => {
  fi = await startStandIn();
  app = await startTestApp(
    { http: { timeoutMs: 1000 }, modules: { flowintel: { misp_base_url: "https://misp.example.org" } } },
    { env: { MISP_MODULES_SECRET_FLOWINTEL: FLOWINTEL_KEY } },
  );
  // The query CLI renders templates through the server, as MISP does; the render pool starts with
  // the first render, which under a loaded CI once outlasted the render's deadline (the CLI then
  // sends the empty text, as MISP would). Started here, it is not part of any test below.
  expect(renderedTextFromReply((await app.query(jinjaRenderRequest("{{ 1 + 1 }}", {}))).body)).toBe("2");
}, 120_000);
afterAll(async () => {
  await app.close();
  await fi.close();
});
beforeEach(() => {
  fi.reset();
  const s = flowintelStandIn();
  cases = s.cases;
  tasks = s.tasks;
  fi.handle(s.handler);
});

describe("flowintel", () => {
  it("descriptor: secret key, templates, placeholders that are valid values", async () => {
    const list = (await (await fetch(`${app.url}/modules`)).json()) as Array<{ name: string; meta: Record<string, any> }>;
    const params = list.find((m) => m.name === "flowintel")!.meta.config.params as Record<
      string,
      { value?: string; jinja_supported?: boolean }
    >;
    expect(Object.keys(params)).toEqual([...Object.keys(def.params), "delivery"]);
    expect(params.api_key!.jinja_supported).toBeUndefined();
    for (const p of ["title", "description", "tags", "tasks"]) expect(params[p]!.jinja_supported, p).toBe(true);
    expect([params.with_event!.value, params.title_suffix!.value, params.deadline_days!.value]).toEqual(["true", "true", "7"]);
  });

  it("creates the case from the event with the event id in the title, then the tasks", async () => {
    const data = roaming("event-publish-tlp-red") as { Event: Record<string, any> };
    const r = await app.query(
      request(data, { tags: "tlp:red, PAP:RED", tasks: "Triage\nBlock indicators\n", deadline_days: "7", is_private: "yes" }),
    );
    expect(r.body).toEqual({ data: true });
    expect(fi.requests.map((q) => q.path)).toEqual(["/api/case/create_with_event", "/api/case/1/create_task", "/api/case/1/create_task"]);
    expect(fi.requests[0]!.headers["x-api-key"]).toBe(FLOWINTEL_KEY);
    const kase = cases[0]!;
    expect(kase.title).toBe(`${data.Event.info} (MISP event 1201)`);
    expect(kase.event).toEqual({ Event: data.Event });
    expect(kase.tags).toEqual(["tlp:red", "PAP:RED"]);
    expect(kase.is_private).toBe(true);
    expect(kase.deadline_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(kase.description).toContain("[Open the event in MISP](https://misp.example.org/events/view/1201)");
    expect(tasks).toEqual([
      { caseId: 1, title: "Triage" },
      { caseId: 1, title: "Block indicators" },
    ]);
  });

  it("a second run meets its own title: success, no second case; without the suffix the clash is reported", async () => {
    const data = roaming("event-publish-tlp-white") as { Event: Record<string, any> };
    expect((await app.query(request(data))).body).toEqual({ data: true });
    expect((await app.query(request(data))).body).toEqual({ data: true });
    expect(cases).toHaveLength(1);
    expect((await app.query(request(data, { title: "Weekly OSINT", title_suffix: "false" }))).body).toEqual({ data: true });
    expect((await app.query(request(data, { title: "Weekly OSINT", title_suffix: "false" }))).body.error).toBe(
      'flowintel: a Flowintel case titled "Weekly OSINT" already exists (case titles are unique: set title_suffix to true, or change the title) (HTTP 400)',
    );
  });

  it("names a tag Flowintel does not know; a plain case without the event", async () => {
    const data = roaming("event-publish-onion-pap-red");
    expect((await app.query(request(data, { tags: "tlp:amber, dark-web:topic" }))).body.error).toBe(
      "flowintel: Flowintel does not know the tag 'dark-web:topic' (enable its taxonomy in Flowintel, or remove it from tags) (HTTP 400)",
    );
    expect((await app.query(request(data, { with_event: "false", title: "Onion shop", description: "see MISP" }))).body).toEqual({
      data: true,
    });
    expect(fi.last().path).toBe("/api/case/create");
    expect(sent()).toEqual({ title: "Onion shop (MISP event 1203)", description: "see MISP" });
  });

  it("reports a task refused for its title (it equals a case title) after the case was created", async () => {
    const data = roaming("event-publish-sharing-group") as { Event: Record<string, any> };
    await app.query(request(data, { with_event: "false", title: "Existing", title_suffix: "no" }));
    const r = await app.query(request(data, { tasks: "Existing" }));
    expect(r.body.error).toBe(
      'flowintel: case 2 created, task 1/1 failed: Flowintel refused the task title "Existing": a case or task already has it (HTTP 400)',
    );
  });

  it("reports 403 (unknown or read-only key), 404, 429, 5xx with Flowintel's messages", async () => {
    const data = roaming("event-publish-minimal-no-tags");
    const forbidden =
      "flowintel: HTTP 403 Forbidden: You don't have the permission to access the requested resource. It is either read-protected or not readable by the server.";
    expect((await app.query(request(data, { api_key: "wrong" }))).body.error).toBe(forbidden);
    expect((await app.query(request(data, { api_key: FLOWINTEL_READONLY_KEY }))).body.error).toBe(forbidden);
    expect((await app.query(request(data, { flowintel_url: `${fi.url}/sub` }))).body.error).toBe(
      "flowintel: HTTP 404 Not Found: The requested URL was not found on the server.",
    );
    fi.script(
      failures.unauthorized({ message: "Unauthorized" }),
      failures.rateLimited(9),
      { status: 429, body: "Too Many Requests" },
      failures.serverError({ message: `boom ${FLOWINTEL_KEY}` }),
      { status: 201, body: "<html/>" },
    );
    const errors: string[] = [];
    for (let i = 0; i < 5; i++) errors.push((await app.query(request(data))).body.error as string);
    expect(errors).toEqual([
      "flowintel: HTTP 401 Unauthorized: Unauthorized",
      "flowintel: HTTP 429 Too Many Requests, rate limited, retry after 9 s: Too Many Requests",
      "flowintel: HTTP 429 Too Many Requests, rate limited: Too Many Requests",
      "flowintel: HTTP 500 Internal Server Error: boom ***",
      "flowintel: unexpected answer from Flowintel (HTTP 201 Created): <html/>",
    ]);
    expect((await app.query(request({ User: {} }))).body.error).toBe(
      "flowintel: with_event needs event data (this trigger sends none): set with_event to false",
    );
  });

  it("fails on a hang, a self-signed certificate (unless verify_tls is off) and a refused connection", { timeout: 60_000 }, async () => {
    const data = roaming("event-publish-minimal-no-tags");
    const e = await transportErrors(app, (url) => request(data, { flowintel_url: url }), flowintelStandIn().handler);
    expect(e.hang).toMatch(/^flowintel: creating the Flowintel case failed: no response from 127\.0\.0\.1:\d+ within 1000 ms/);
    expect(e.selfSigned).toMatch(/^flowintel: creating the Flowintel case failed: TLS error .*self-signed/);
    expect(e.selfSignedRequests).toBe(0);
    expect(e.refused).toMatch(/^flowintel: creating the Flowintel case failed: connection refused/);
    const tls = await startStandIn({ tls: true, handler: flowintelStandIn().handler });
    try {
      expect((await app.query(request(data, { flowintel_url: tls.url, verify_tls: "false", api_key: "secret:FLOWINTEL" }))).body).toEqual({
        data: true,
      });
    } finally {
      await tls.close();
    }
  });

  it.each(ROAMING_FIXTURES)(
    "%s through POST /query and the query CLI",
    async (name) => {
      const data = roaming(name) as { Event: Record<string, any> };
      expect((await app.query(request(data))).body).toEqual({ data: true });
      expect(sent().title).toBe(`${data.Event.info} (MISP event ${data.Event.id})`);
      const r = await cliQuery(app.url, "flowintel", name, {
        flowintel_url: fi.url,
        api_key: FLOWINTEL_KEY,
        title: "{{ Event.Orgc.name }}: {{ Event.info }}",
        tasks: "Review {{ Event.id }}",
      });
      expect(r.reply, r.stderr).toEqual({ data: true });
      expect(cases.at(-1)!.title, r.stderr).toBe(`${data.Event.Orgc.name}: ${data.Event.info} (MISP event ${data.Event.id})`);
      expect(tasks.at(-1)!.title, r.stderr).toBe(`Review ${data.Event.id}`);
    },
    60_000,
  );
});
