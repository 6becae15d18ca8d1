import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeTemplatePool } from "../../../src/engines/jinja/pool.js";
import { ROAMING_FIXTURES, roaming, startTestApp, type TestApp } from "../../helpers/app.js";

// jinja_template_rendering through the real server (docs/protocol.md#jinja-rendering, docs/modules.md#jinja_template_rendering), default settings.

interface FlatAttribute {
  type: string;
  value: string;
}
interface RoamingEvent {
  Event: { _AttributeFlattened: FlatAttribute[]; Tag?: Array<{ name: string }> };
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
  await closeTemplatePool();
});

/** What MISP sends: `text` is a JSON string of {template, data}. */
function renderQuery(template: string | undefined, data: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const inner = template === undefined ? { data } : { template, data };
  return t.query({ module: "jinja_template_rendering", text: JSON.stringify(inner) });
}

function expectSuccess(reply: { status: number; body: Record<string, unknown> }, rendered: string): void {
  expect(reply.status).toBe(200);
  expect(reply.body).toEqual({ results: [{ types: ["text"], values: [rendered] }] });
}

/** Every failure: HTTP 200, a non-empty string error and results[0].values[0] === "" (MISP reads it unchecked). */
function expectFailure(reply: { status: number; body: Record<string, unknown> }, reason?: RegExp): string {
  expect(reply.status).toBe(200);
  expect(reply.body.results).toEqual([{ types: ["text"], values: [""] }]);
  expect(typeof reply.body.error).toBe("string");
  const error = reply.body.error as string;
  expect(error.length).toBeGreaterThan(0);
  expect(error).not.toMatch(/\n/);
  if (reason) expect(error).toMatch(reason);
  return error;
}

describe("descriptor", () => {
  it("is listed as a text expansion named Jinja Template Rendering", async () => {
    const modules = (await (await fetch(`${t.url}/modules`)).json()) as Array<Record<string, any>>;
    const descriptor = modules.find((m) => m.name === "jinja_template_rendering");
    expect(descriptor).toBeDefined();
    expect(descriptor!.type).toBe("expansion");
    expect(descriptor!.mispattributes).toEqual({ input: ["text"], output: ["text"] });
    expect(descriptor!.meta["module-type"]).toEqual(["expansion"]);
    expect(descriptor!.meta.name).toBe("Jinja Template Rendering");
    expect(typeof descriptor!.meta.description).toBe("string");
  });
});

describe("rendering roaming data", () => {
  it("renders the docs/protocol.md#jinja-rendering example", async () => {
    const reply = await renderQuery("Event {{ Event.id }}: {{ Event.info }}", { Event: { id: "42", info: "Phishing campaign" } });
    expectSuccess(reply, "Event 42: Phishing campaign");
  });

  it.each(ROAMING_FIXTURES)("loops over Event._AttributeFlattened of %s", async (name) => {
    const data = roaming(name) as unknown as RoamingEvent;
    const expected = data.Event._AttributeFlattened.map((a) => `${a.type}=${a.value}\n`).join("");
    expect(expected.length).toBeGreaterThan(0);
    const reply = await renderQuery("{% for a in Event._AttributeFlattened %}{{ a.type }}={{ a.value }}\n{% endfor %}", data);
    expectSuccess(reply, expected);
  });

  it.each(ROAMING_FIXTURES)("joins the event tag names of %s", async (name) => {
    const data = roaming(name) as unknown as RoamingEvent;
    // No Event.Tag at all (minimal fixture) is undefined in Jinja: mapping it yields nothing.
    const expected = (data.Event.Tag ?? []).map((tag) => tag.name).join(", ");
    const reply = await renderQuery("{{ Event.Tag|map(attribute='name')|join(', ') }}", data);
    expectSuccess(reply, expected);
  });

  it("renders the reference default text when the template is missing", async () => {
    expectSuccess(await renderQuery(undefined, roaming("event-publish-tlp-red")), "- Default template -");
  });

  it("treats PHP's [] (empty data) and other non-objects as an empty context", async () => {
    expectSuccess(await renderQuery("<{{ Event }}>|{{ Event is defined }}", []), "<>|False");
    expectSuccess(await renderQuery("<{{ Event }}>|{{ Event is defined }}", "not a mapping"), "<>|False");
    expectSuccess(await renderQuery("<{{ Event }}>|{{ Event is defined }}", null), "<>|False");
  });

  it("renders the same template over different events in parallel without mixing them up", async () => {
    const template = "{{ Event.id }}:{{ Event._AttributeFlattened|length }}";
    const replies = await Promise.all(ROAMING_FIXTURES.map((name) => renderQuery(template, roaming(name))));
    replies.forEach((reply, i) => {
      const data = roaming(ROAMING_FIXTURES[i]!) as unknown as RoamingEvent & { Event: { id: string } };
      expectSuccess(reply, `${data.Event.id}:${data.Event._AttributeFlattened.length}`);
    });
  });
});

describe("error replies", () => {
  it("reports syntax errors with line, column and what was expected", async () => {
    const error = expectFailure(await renderQuery("Event {{ Event.id }}\nTags: {{ Event.Tag x }}", roaming("event-publish-tlp-red")));
    expect(error).toMatch(/line 2/);
    expect(error).toMatch(/column \d+/);
    expect(error).toMatch(/expected/i);
  });

  it("fails the whole render on attribute access of an undefined value", async () => {
    expectFailure(await renderQuery("a{{ Event.nope.deeper }}b", roaming("event-publish-tlp-red")));
  });

  it("answers an error, not a crash, for an enrichment-menu query with an attribute value", async () => {
    expectFailure(await t.query({ module: "jinja_template_rendering", text: "198.51.100.7" }), /Invalid request/);
    expectFailure(await t.query({ module: "jinja_template_rendering", text: "phishing mail" }), /not valid JSON/);
  });

  it("answers an error for missing, empty, non-string or non-object text", async () => {
    for (const body of [
      { module: "jinja_template_rendering" },
      { module: "jinja_template_rendering", text: "" },
      { module: "jinja_template_rendering", text: 42 },
      { module: "jinja_template_rendering", text: ["{}"] },
      { module: "jinja_template_rendering", text: "[1, 2]" },
      { module: "jinja_template_rendering", text: '{"template": {"a": 1}, "data": {}}' },
    ]) {
      expectFailure(await t.query(body), /Invalid request/);
    }
  });

  it("refuses output beyond the size limit", async () => {
    const tooBig = "{% for i in range(50000) %}{{ Event.info }}{% endfor %}";
    expectFailure(await renderQuery(tooBig, roaming("event-publish-tlp-red")), /limit/i);
  });

  it("refuses a range beyond the range limit", async () => {
    expectFailure(await renderQuery("{{ range(10**9)|length }}", {}), /limit|range/i);
  });

  it("keeps answering after errors", async () => {
    expectSuccess(await renderQuery("{{ 1 + 1 }}", {}), "2");
  });
});
